// attnscope info: what a model folder holds: architecture and sizes from config.json, the
// parameter count from the weights, the tokenizer, and the files found. Each part is reported on
// its own, so a folder with only a config and tokenizer (no weights) still gets a useful answer.
#include <cstdio>
#include <optional>

#include "attnscope/errors.h"
#include "cli_common.h"
#include "json_out.h"

namespace attnscope::cli {

namespace {

namespace fs = std::filesystem;

Args make_args() {
    return Args("info", "--model DIR [--json]",
                "Shows the architecture, layers, heads, key/value heads, d_model, d_head, d_ff, "
                "vocabulary size, maximum positions, parameter count (read from the weights), the "
                "tokenizer and the files found in a model folder. Parts that cannot be read are "
                "reported as such; the exit status is then 1.",
                {
                    {"--model", "DIR", "model folder"},
                    {"--json", "", "print one JSON object instead of text"},
                });
}

const char* tokenizer_kind_name(TokenizerKind kind) {
    switch (kind) {
        case TokenizerKind::ByteLevelBpe:
            return "byte-level BPE";
        case TokenizerKind::WordPiece:
            return "WordPiece";
        case TokenizerKind::SentencePieceBpe:
            return "SentencePiece BPE";
    }
    return "?";
}

struct InfoReport {
    ModelFolderInfo folder;
    std::optional<ModelConfig> config;
    std::string config_problem;  // why config is empty
    std::optional<int64_t> n_params;
    std::string params_problem;
    std::string tokenizer_kind;
    int tokenizer_vocab = 0;
    std::string tokenizer_problem;
    bool failed = false;  // something present could not be read (not merely absent)
};

InfoReport gather(const fs::path& dir) {
    InfoReport r;
    r.folder = inspect_model_folder(dir);

    if (!r.folder.has_config) {
        r.config_problem = "config.json is missing: architecture and sizes unknown";
    } else {
        try {
            r.config = load_model_config(dir);
        } catch (const Error& e) {
            r.config_problem = e.what();
            r.failed = true;
        }
    }

    if (!r.folder.has_weights) {
        r.params_problem =
            "no weights in this folder (looked for model.safetensors and "
            "model.safetensors.index.json)";
    } else if (!r.config) {
        r.params_problem = "needs config.json to read the weights";
    } else {
        // Loading every tensor is the only way to check the weights match the config; it also
        // counts exactly the parameters the engine uses. No tokenizer needed for that.
        try {
            const Model model = Model::from_weights(*r.config, *open_safetensors_weights(dir),
                                                    nullptr, dir.filename().string());
            r.n_params = model.n_params();
        } catch (const Error& e) {
            r.params_problem = e.what();
            r.failed = true;
        }
    }

    try {
        std::unique_ptr<Tokenizer> tok = load_folder_tokenizer(dir);
        r.tokenizer_kind = tokenizer_kind_name(tok->kind());
        r.tokenizer_vocab = tok->vocab_size();
    } catch (const Error& e) {
        r.tokenizer_problem = e.what();
        r.failed = true;
    }
    return r;
}

std::string with_commas(int64_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

void print_text(const InfoReport& r) {
    auto line = [](const char* label, const std::string& value) {
        std::printf("%-15s %s\n", label, value.c_str());
    };
    std::string files;
    for (const auto& f : r.folder.files) files += (files.empty() ? "" : ", ") + f;
    line("folder:", r.folder.dir.string());
    line("files:", files.empty() ? "(none of the expected files)" : files);
    if (r.config) {
        const ModelConfig& c = *r.config;
        line("architecture:", std::string(arch_name(c.arch)) + " (model_type \"" + c.model_type +
                                  "\"), " + (c.causal ? "left-to-right (causal)" : "encoder"));
        line("layers:", std::to_string(c.n_layer));
        line("heads:",
             std::to_string(c.n_head) + " query, " + std::to_string(c.n_kv_head) + " key/value");
        line("d_model:", std::to_string(c.d_model));
        line("d_head:", std::to_string(c.d_head));
        line("d_ff:", std::to_string(c.d_ff));
        line("vocab:", std::to_string(c.vocab_size));
        line("max positions:", std::to_string(c.max_positions));
    } else {
        line("architecture:", "unknown: " + r.config_problem);
    }
    line("parameters:", r.n_params ? with_commas(*r.n_params) : "unknown: " + r.params_problem);
    line("tokenizer:", r.tokenizer_problem.empty()
                           ? r.tokenizer_kind + ", " + std::to_string(r.tokenizer_vocab) + " tokens"
                           : "unusable: " + r.tokenizer_problem);
}

void print_json(const InfoReport& r) {
    JsonWriter out(stdout, "stdout");
    out.begin_object();
    out.key("folder").value(r.folder.dir.string());
    out.key("files").string_array(r.folder.files);
    out.key("has_config").value(r.folder.has_config);
    out.key("has_weights").value(r.folder.has_weights);
    if (r.config) {
        const ModelConfig& c = *r.config;
        out.key("arch").value(arch_name(c.arch));
        out.key("model_type").value(c.model_type);
        out.key("causal").value(c.causal);
        out.key("n_layer").value(c.n_layer);
        out.key("n_head").value(c.n_head);
        out.key("n_kv_head").value(c.n_kv_head);
        out.key("d_model").value(c.d_model);
        out.key("d_head").value(c.d_head);
        out.key("d_ff").value(c.d_ff);
        out.key("vocab_size").value(c.vocab_size);
        out.key("max_positions").value(c.max_positions);
    } else {
        out.key("config_error").value(r.config_problem);
    }
    if (r.n_params)
        out.key("n_params").value(*r.n_params);
    else
        out.key("params_error").value(r.params_problem);
    if (r.tokenizer_problem.empty()) {
        out.key("tokenizer").value(r.tokenizer_kind);
        out.key("tokenizer_vocab_size").value(r.tokenizer_vocab);
    } else {
        out.key("tokenizer_error").value(r.tokenizer_problem);
    }
    out.end_object();
    out.newline();
    out.flush();
}

}  // namespace

int cmd_info(const std::string& program, int argc, char** argv) {
    Args args = make_args();
    if (parse_or_help(args, program, argc, argv)) return 0;
    const fs::path dir = model_dir_option(args);
    const InfoReport report = gather(dir);
    if (args.has("--json"))
        print_json(report);
    else
        print_text(report);
    if (std::fflush(stdout) != 0) throw Error("writing stdout failed");
    return report.failed ? 1 : 0;
}

}  // namespace attnscope::cli
