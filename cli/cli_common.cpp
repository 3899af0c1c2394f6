#include "cli_common.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "attnscope/errors.h"
#include "attnscope/hub.h"
#include "json_out.h"

namespace attnscope::cli {

namespace fs = std::filesystem;

bool parse_or_help(Args& args, const std::string& program, int argc, char** argv) {
    args.parse(argc, argv, 2);
    if (!args.help_requested()) return false;
    std::fputs(args.help_text(program).c_str(), stdout);
    return true;
}

std::string read_text_file(const std::string& path, const std::string& flag) {
    if (path == "-") {
        std::string text{std::istreambuf_iterator<char>(std::cin),
                         std::istreambuf_iterator<char>()};
        if (std::cin.bad()) throw InputError(flag + " -: reading stdin failed");
        return text;
    }
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw InputError(flag + " " + path + ": is a folder, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(flag + " " + path + ": cannot open: " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw InputError(flag + " " + path + ": read error");
    return ss.str();
}

void require_utf8(std::string_view text, const std::string& what) {
    size_t bad = 0;
    if (!is_valid_utf8(text, &bad))
        throw InputError(what + " is not valid UTF-8 (first bad byte at offset " +
                         std::to_string(bad) + "); attnscope reads text as UTF-8");
}

std::optional<std::string> text_option(const Args& args, const std::string& text_flag,
                                       const std::string& file_flag, bool required) {
    const auto literal = args.get(text_flag);
    const auto file = args.get(file_flag);
    if (literal && file) throw UsageError("give " + text_flag + " or " + file_flag + ", not both");
    if (!literal && !file) {
        if (required) throw UsageError("missing " + text_flag + " (or " + file_flag + ")");
        return std::nullopt;
    }
    if (literal) {
        require_utf8(*literal, "the " + text_flag + " argument");
        return literal;
    }
    std::string text = read_text_file(*file, file_flag);
    require_utf8(text, file_flag + " " + *file);
    return text;
}

fs::path model_dir_option(const Args& args) {
    // A folder, or a model id ("gpt2", "org/name") found in the Hugging Face cache.
    const fs::path dir = resolve_model_location(args.require("--model"));
    std::error_code ec;
    if (!fs::exists(dir, ec)) throw LoadError("model folder not found: " + dir.string());
    if (!fs::is_directory(dir, ec))
        throw LoadError(dir.string() +
                        " is not a folder; --model takes a model folder (the one "
                        "with config.json and the tokenizer files)");
    return dir;
}

std::unique_ptr<Tokenizer> load_folder_tokenizer(const fs::path& dir) {
    std::string model_type;
    const fs::path config = dir / "config.json";
    std::error_code ec;
    if (fs::is_regular_file(config, ec)) {
        // Only the hint is needed here, so a config for an architecture the engine cannot run
        // still lets the tokenizer be used; a config that is not JSON at all is reported.
        const std::string text = read_text_file(config.string(), "config.json");
        const nlohmann::json root = nlohmann::json::parse(text, nullptr, false);
        if (root.is_discarded()) throw LoadError(config.string() + ": malformed JSON");
        if (root.is_object() && root.contains("model_type") && root["model_type"].is_string())
            model_type = root["model_type"].get<std::string>();
    }
    return load_tokenizer(dir, model_type);
}

std::string quote_for_display(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

AttentionTrace run_text(const Model& model, const std::string& text,
                        const std::optional<std::string>& pair, const RunOptions& options) {
    if (options.truncate && model.has_tokenizer()) {
        const int n_input = pair ? model.tokenizer().encode(text, std::string_view(*pair)).size()
                                 : model.tokenizer().encode(text).size();
        const int max = model.config().max_positions;
        if (n_input > max)
            std::fprintf(stderr,
                         "note: the text has %d tokens; only the first %d were run "
                         "(--truncate)\n",
                         n_input, max);
    }
    return pair ? run_model(model, text, std::string_view(*pair), options)
                : run_model(model, text, std::nullopt, options);
}

std::FILE* open_output(const std::optional<std::string>& path) {
    if (!path || *path == "-") return stdout;
    std::FILE* f = std::fopen(path->c_str(), "wb");
    if (!f) throw Error("--out " + *path + ": cannot open for writing: " + std::strerror(errno));
    return f;
}

void close_output(std::FILE* file, const std::optional<std::string>& path) {
    if (file == stdout) {
        if (std::fflush(stdout) != 0)
            throw Error(std::string("writing stdout failed: ") + std::strerror(errno));
        return;
    }
    if (std::fclose(file) != 0)
        throw Error("writing " + path.value_or("output") + " failed: " + std::strerror(errno));
}

}  // namespace attnscope::cli
