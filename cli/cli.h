// The attnscope command-line tool: tokenize, dump, predict, info, bench (see README).
#pragma once

// True if `arg` names a subcommand ("tokenize", "dump", ...), so the app binary can hand over.
bool attnscope_cli_is_subcommand(const char* arg);

// Runs a subcommand; argv[1] is the subcommand. Returns the process exit code: 0 on success,
// 1 for bad input (message on stderr), 2 for a usage error.
int attnscope_cli_main(int argc, char** argv);
