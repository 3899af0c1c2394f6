// attnscope tokenize: ids and vocabulary strings for a text, or for each line of a JSON Lines file.
// Needs only the tokenizer files, so it works on folders without weights (bert-base-uncased).
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "attnscope/errors.h"
#include "cli_common.h"
#include "json_out.h"

namespace attnscope::cli {

namespace {

Args make_args() {
    return Args(
        "tokenize", "--model DIR (--text TEXT | --text-file F | --jsonl F) [options]",
        "Prints {\"ids\": [...], \"tokens\": [...]} on one line: the model's vocabulary ids "
        "and strings, special tokens included. The folder needs only tokenizer files.\n"
        "With --jsonl, reads one {\"text\": ..., \"pair\": ...} object per line (\"pair\" "
        "or \"text_pair\", optional) and writes one result per line; a bad line gives "
        "{\"error\": ...} and the run goes on (exit status 1 at the end).",
        {
            {"--model", "DIR",
             "model folder (tokenizer.json, vocab.json + merges.txt or vocab.txt)"},
            {"--text", "TEXT", "the text to tokenize"},
            {"--text-file", "F", "read the text from file F ('-' = stdin), bytes as they are"},
            {"--pair", "TEXT", "second segment, for encoders (BERT: [CLS] A [SEP] B [SEP])"},
            {"--pair-file", "F", "read the second segment from file F"},
            {"--jsonl", "F", "JSON Lines input, one object per line ('-' = stdin)"},
        });
}

void write_encoding(JsonWriter& out, const Encoding& enc) {
    out.begin_object();
    out.key("ids").int_array(enc.ids);
    out.key("tokens").string_array(enc.tokens);
    out.end_object();
    out.newline();
}

// One JSON Lines record: {"text": ..., "pair"/"text_pair": ...}. Throws InputError describing what
// is wrong with the line.
Encoding encode_json_line(const Tokenizer& tokenizer, const std::string& line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos)
        throw InputError("empty line; expected a JSON object such as {\"text\": \"...\"}");
    nlohmann::json record;
    try {
        record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(std::string("not valid JSON: ") + e.what());
    }
    if (!record.is_object()) throw InputError("expected a JSON object with a \"text\" string");
    auto text = record.find("text");
    if (text == record.end() || !text->is_string())
        throw InputError("expected a \"text\" member holding a string");
    std::optional<std::string> pair;
    for (const char* name : {"pair", "text_pair"}) {
        auto it = record.find(name);
        if (it == record.end() || it->is_null()) continue;
        if (!it->is_string())
            throw InputError(std::string("\"") + name + "\" must be a string or null");
        if (pair) throw InputError("give \"pair\" or \"text_pair\", not both");
        pair = it->get<std::string>();
    }
    const std::string text_value = text->get<std::string>();
    return pair ? tokenizer.encode(text_value, std::string_view(*pair))
                : tokenizer.encode(text_value);
}

int run_jsonl(const Tokenizer& tokenizer, const std::string& path) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
        file.open(path, std::ios::binary);
        if (!file) throw InputError("--jsonl " + path + ": cannot open");
        in = &file;
    }
    JsonWriter out(stdout, "stdout");
    std::string line;
    int n_line = 0, n_bad = 0;
    while (std::getline(*in, line)) {
        ++n_line;
        try {
            write_encoding(out, encode_json_line(tokenizer, line));
        } catch (const Error& e) {
            ++n_bad;
            out.begin_object();
            out.key("error").value("line " + std::to_string(n_line) + ": " + e.what());
            out.end_object();
            out.newline();
        }
        // A program feeding us lines one at a time waits for each answer.
        out.flush();
    }
    if (in->bad())
        throw InputError("--jsonl " + path + ": read error after line " + std::to_string(n_line));
    if (n_bad) {
        std::fprintf(stderr, "attnscope tokenize: %d of %d lines failed (see their \"error\")\n",
                     n_bad, n_line);
        return 1;
    }
    return 0;
}

}  // namespace

int cmd_tokenize(const std::string& program, int argc, char** argv) {
    Args args = make_args();
    if (parse_or_help(args, program, argc, argv)) return 0;
    const auto jsonl = args.get("--jsonl");
    if (jsonl && (args.has("--text") || args.has("--text-file") || args.has("--pair") ||
                  args.has("--pair-file")))
        throw UsageError("--jsonl reads the texts from the file; drop --text/--pair");
    const auto text = jsonl ? std::nullopt : text_option(args, "--text", "--text-file", true);
    const auto pair = jsonl ? std::nullopt : text_option(args, "--pair", "--pair-file", false);
    const std::filesystem::path dir = model_dir_option(args);

    std::unique_ptr<Tokenizer> tokenizer = load_folder_tokenizer(dir);
    if (jsonl) return run_jsonl(*tokenizer, *jsonl);

    const Encoding enc =
        pair ? tokenizer->encode(*text, std::string_view(*pair)) : tokenizer->encode(*text);
    JsonWriter out(stdout, "stdout");
    write_encoding(out, enc);
    out.flush();
    return 0;
}

}  // namespace attnscope::cli
