// Helpers shared by the subcommands: reading input text, finding the model folder, loading.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "args.h"
#include "attnscope/engine.h"
#include "attnscope/model.h"
#include "attnscope/tokenizer.h"

namespace attnscope::cli {

// One subcommand: parses argv[2..] itself and returns the exit status. Errors propagate as
// UsageError (status 2) or attnscope::Error (status 1) to the dispatcher in cli.cpp.
int cmd_tokenize(const std::string& program, int argc, char** argv);
int cmd_dump(const std::string& program, int argc, char** argv);
int cmd_predict(const std::string& program, int argc, char** argv);
int cmd_info(const std::string& program, int argc, char** argv);
int cmd_bench(const std::string& program, int argc, char** argv);
int cmd_rank(const std::string& program, int argc, char** argv);
int cmd_pull(const std::string& program, int argc, char** argv);

// Parses the command line; if --help was given prints the help to stdout and returns true.
bool parse_or_help(Args& args, const std::string& program, int argc, char** argv);

// Reads a whole file, or stdin for "-", byte for byte (a final newline is kept: it is part of the
// text). `flag` names the option in errors. Throws InputError if it cannot be read.
std::string read_text_file(const std::string& path, const std::string& flag);

// The text given by `text_flag` (a literal) or `file_flag` (a file or "-"), checked to be UTF-8.
// UsageError if both are given, or neither while `required`.
std::optional<std::string> text_option(const Args& args, const std::string& text_flag,
                                       const std::string& file_flag, bool required);

// Throws InputError naming `what` and the offset of the first bad byte unless `text` is UTF-8.
void require_utf8(std::string_view text, const std::string& what);

// The --model folder: a path, or a model id ("gpt2", "org/name") resolved through the Hugging
// Face cache (hub.h). Throws LoadError if it does not exist or is not a folder.
std::filesystem::path model_dir_option(const Args& args);

// The tokenizer of a folder, which may hold only tokenizer files. config.json's model_type, when
// the folder has one, picks the special-token template (e.g. roberta vs gpt2 for vocab.json).
std::unique_ptr<Tokenizer> load_folder_tokenizer(const std::filesystem::path& dir);

// A token or text for a terminal table: quoted, with control characters escaped, so that spaces
// and newlines inside tokens stay visible.
std::string quote_for_display(std::string_view text);

// Tokenizes and runs the model like run_model, and says on stderr when --truncate cut the input
// (the trace alone does not tell how long the text was).
AttentionTrace run_text(const Model& model, const std::string& text,
                        const std::optional<std::string>& pair, const RunOptions& options);

// Opens --out for writing ("-" or absent: stdout). The caller closes it with close_output.
std::FILE* open_output(const std::optional<std::string>& path);
void close_output(std::FILE* file, const std::optional<std::string>& path);

}  // namespace attnscope::cli
