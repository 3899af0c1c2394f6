// Subcommand dispatch and the one place where the command-line tool turns exceptions into
// messages and exit codes: 0 success, 1 bad input or a failed run, 2 a wrong command line.
#include "cli.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "attnscope/errors.h"
#include "cli_common.h"

namespace {

using attnscope::cli::UsageError;

using CommandFn = int (*)(const std::string&, int, char**);

struct Command {
    const char* name;
    CommandFn run;
    bool has_truncate;  // whether "--truncate" is a useful hint for TooLongError
};

// clang-format off
constexpr Command k_commands[] = {
    {"tokenize", attnscope::cli::cmd_tokenize, false},
    {"dump",     attnscope::cli::cmd_dump,     true},
    {"predict",  attnscope::cli::cmd_predict,  true},
    {"info",     attnscope::cli::cmd_info,     false},
    {"bench",    attnscope::cli::cmd_bench,    false},
    {"rank",     attnscope::cli::cmd_rank,     true},
    {"pull",     attnscope::cli::cmd_pull,     false},
};
// clang-format on

const Command* find_command(const char* arg) {
    if (!arg) return nullptr;
    for (const Command& c : k_commands)
        if (std::strcmp(arg, c.name) == 0) return &c;
    return nullptr;
}

// "attnscope" whether we run as the app binary or the stand-alone attnscope-cli.
std::string program_name(const char* argv0) {
    std::string name = argv0 ? argv0 : "attnscope";
    if (auto slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
    return name.empty() ? "attnscope" : name;
}

}  // namespace

bool attnscope_cli_is_subcommand(const char* arg) {
    return find_command(arg) != nullptr;
}

int attnscope_cli_main(int argc, char** argv) {
    const std::string program = program_name(argc > 0 ? argv[0] : nullptr);
    const Command* command = argc > 1 ? find_command(argv[1]) : nullptr;
    if (!command) {
        std::fprintf(stderr,
                     "%s: unknown subcommand '%s' (expected tokenize, dump, predict, info, rank, "
                     "bench or pull)\n",
                     program.c_str(), argc > 1 ? argv[1] : "");
        return 2;
    }
    const std::string who = program + " " + command->name;
    try {
        return command->run(program, argc, argv);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "%s: %s\nRun '%s --help' for the options.\n", who.c_str(), e.what(),
                     who.c_str());
        return 2;
    } catch (const attnscope::TooLongError& e) {
        std::fprintf(stderr, "%s: error: %s\n", who.c_str(), e.what());
        if (command->has_truncate)
            std::fprintf(stderr, "Pass --truncate to run on the first %d tokens instead.\n",
                         e.max_positions);
        return 1;
    } catch (const attnscope::Error& e) {
        std::fprintf(stderr, "%s: error: %s\n", who.c_str(), e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "%s: error: out of memory (try a shorter text or a smaller model)\n",
                     who.c_str());
        return 1;
    } catch (const std::exception& e) {
        // Not an input problem we know how to describe; still a message, never an abort.
        std::fprintf(stderr, "%s: internal error: %s\n", who.c_str(), e.what());
        return 1;
    }
}
