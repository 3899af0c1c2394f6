#include <cstdio>

#include "cli.h"

int main(int argc, char** argv) {
    if (argc < 2 || !attnscope_cli_is_subcommand(argv[1])) {
        std::fprintf(stderr,
                     "usage: attnscope-cli tokenize|dump|predict|info|rank|bench|pull [options]\n"
                     "       (run a subcommand with --help for its options)\n");
        return 2;
    }
    return attnscope_cli_main(argc, argv);
}
