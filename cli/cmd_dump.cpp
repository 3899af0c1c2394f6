// attnscope dump: one forward pass as JSON, attention as [layer][head][query][key].
//
// The attention block dominates the output (L·H·T² floats), so it is streamed row by row through
// JsonWriter rather than built as a JSON tree; the fields before it are small.
#include <cstdio>

#include "attnscope/errors.h"
#include "cli_common.h"
#include "json_out.h"
#include "trace_json.h"

namespace attnscope::cli {

namespace {

Args make_args() {
    return Args(
        "dump", "--model DIR (--text TEXT | --text-file F) [options]",
        "Runs the model on the text and writes JSON: model, arch, n_token, n_layer, n_head, "
        "n_kv_head, d_head, d_model, tokens (vocabulary strings), ids, texts (display strings), "
        "spans (byte offsets into the text), type_ids, special, prediction, and attention "
        "[layer][head][query][key] (each query row sums to 1).",
        {
            {"--model", "DIR", "model folder (config.json, model.safetensors, tokenizer files)"},
            {"--text", "TEXT", "the input text"},
            {"--text-file", "F", "read the text from file F ('-' = stdin), bytes as they are"},
            {"--pair", "TEXT", "second segment, for encoders (BERT, RoBERTa, DistilBERT)"},
            {"--pair-file", "F", "read the second segment from file F"},
            {"--out", "FILE", "write the JSON to FILE instead of stdout"},
            {"--truncate", "", "cut an over-long input to the model's maximum length"},
            {"--top", "K", "candidates kept in \"prediction\" (default 10)"},
        });
}

void write_spans(JsonWriter& out, const std::vector<TokenSpan>& spans) {
    out.begin_array();
    for (const TokenSpan& s : spans) {
        out.begin_object();
        out.key("segment").value(int64_t(s.segment));
        out.key("begin").value(int64_t(s.begin));
        out.key("end").value(int64_t(s.end));
        out.end_object();
    }
    out.end_array();
}

void write_attention(JsonWriter& out, const AttentionTrace& tr) {
    const size_t T = size_t(tr.n_token);
    out.begin_array();
    for (int l = 0; l < tr.n_layer; ++l) {
        out.begin_array();
        for (int h = 0; h < tr.n_head; ++h) {
            const std::span<const float> w = tr.weights_of(l, h);
            out.begin_array();
            for (size_t i = 0; i < T; ++i) out.float_array(w.subspan(i * T, T));
            out.end_array();
        }
        out.end_array();
    }
    out.end_array();
}

void write_dump(JsonWriter& out, const AttentionTrace& tr) {
    std::vector<uint8_t> special = tr.tokens.special;
    std::vector<int32_t> special_ints(special.begin(), special.end());

    out.begin_object();
    out.key("format").value("attnscope-dump-v1");
    out.key("model").value(tr.model_name);
    out.key("arch").value(arch_name(tr.arch));
    out.key("causal").value(tr.causal);
    out.key("text").value(tr.text);
    if (tr.has_pair) out.key("text_pair").value(tr.text_pair);
    out.key("n_token").value(tr.n_token);
    out.key("n_layer").value(tr.n_layer);
    out.key("n_head").value(tr.n_head);
    out.key("n_kv_head").value(tr.n_kv_head);
    out.key("d_head").value(tr.d_head);
    out.key("d_model").value(tr.d_model);
    out.key("tokens").string_array(tr.tokens.tokens);
    out.key("ids").int_array(tr.tokens.ids);
    out.key("texts").string_array(tr.tokens.texts);
    out.key("spans");
    write_spans(out, tr.tokens.spans);
    out.key("type_ids").int_array(tr.tokens.type_ids);
    out.key("special").int_array(special_ints);
    out.key("position_ids").int_array(tr.position_ids);
    out.key("prediction");
    write_prediction(out, tr.prediction);
    out.key("attention");
    write_attention(out, tr);
    out.end_object();
    out.newline();
}

}  // namespace

int cmd_dump(const std::string& program, int argc, char** argv) {
    Args args = make_args();
    if (parse_or_help(args, program, argc, argv)) return 0;
    const std::string text = *text_option(args, "--text", "--text-file", true);
    const auto pair = text_option(args, "--pair", "--pair-file", false);
    RunOptions options;
    options.truncate = args.has("--truncate");
    options.top_k = args.get_positive_int("--top", 10, 1000);
    const auto out_path = args.get("--out");
    const std::filesystem::path dir = model_dir_option(args);

    const Model model = Model::load(dir);
    const AttentionTrace trace = run_text(model, text, pair, options);

    // Open the output only now: a failed run must not leave an empty or truncated file behind.
    std::FILE* file = open_output(out_path);
    try {
        JsonWriter out(file, out_path.value_or("stdout"));
        write_dump(out, trace);
        out.flush();
    } catch (...) {
        if (file != stdout) {
            std::fclose(file);
            std::remove(out_path->c_str());  // half a JSON file is worse than none
        }
        throw;
    }
    close_output(file, out_path);
    return 0;
}

}  // namespace attnscope::cli
