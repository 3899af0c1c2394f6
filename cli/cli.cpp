#include "cli.h"

#include <cstdio>
#include <cstring>

// Placeholder until the subcommands land.
bool attnscope_cli_is_subcommand(const char* arg) { return false; }
int attnscope_cli_main(int argc, char** argv) {
    std::fprintf(stderr, "attnscope: no subcommands yet\n");
    return 2;
}
