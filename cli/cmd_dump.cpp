// attnscope dump: one forward pass as JSON (attention as [layer][head][query][key]), as a NumPy
// .npz with every recorded tensor, or as CSV of one head.
//
// The JSON attention block dominates the output (L·H·T² floats), so it is streamed row by row
// through JsonWriter rather than built as a JSON tree (core/src/trace_export.cpp).
#include <cstdio>

#include "attnscope/errors.h"
#include "attnscope/trace_export.h"
#include "cli_common.h"
#include "json_out.h"

namespace attnscope::cli {

namespace {

Args make_args() {
    return Args(
        "dump",
        "(--model DIR (--text TEXT | --text-file F) | --import FILE.npz) [--format json|npz|csv] "
        "[options]",
        "Runs the model on the text (or reads attention saved by another program with --import) "
        "and writes the trace.\n"
        "  json (default): model, arch, causal, n_token, n_layer, n_head, n_kv_head, d_head, "
        "d_model, tokens (vocabulary strings), ids, texts (display strings), spans (byte offsets "
        "into the text), type_ids, special, position_ids, prediction, and attention "
        "[layer][head][query][key] (each query row sums to 1).\n"
        "  npz: NumPy arrays for np.load: attention [L,H,T,T], scores [L,H,T,T], q [L,H,T,D], "
        "k and v [L,G,T,D], head_out [L,H,T,D], embed [T,C], hidden [L,T,C] (float32), mask [T,T], "
        "tokens and texts ('<U' strings), ids and type_ids (int32), special, and model, arch, "
        "text, causal. Needs --out. The app opens it with File > Open attention (.npz).\n"
        "  csv: one head (--layer, --head): a header row of key tokens, then one row per query "
        "token with its weights.\n"
        "--import reads an .npz with 'attention' [L,H,T,T] (or [L,1,H,T,T], or per-layer "
        "'attention_0', 'attention_1', ...) and optional 'tokens', checks that every row is a "
        "probability row, and writes it in any format (see README, 'Import').",
        {
            {"--model", "DIR", "model folder (config.json, model.safetensors, tokenizer files)"},
            {"--text", "TEXT", "the input text"},
            {"--text-file", "F", "read the text from file F ('-' = stdin), bytes as they are"},
            {"--pair", "TEXT", "second segment, for encoders (BERT, RoBERTa, DistilBERT)"},
            {"--pair-file", "F", "read the second segment from file F"},
            {"--import", "FILE", "read attention from an .npz instead of running a model"},
            {"--format", "FMT", "json (default), npz or csv"},
            {"--layer", "L", "csv: the layer (0-based, default 0)"},
            {"--head", "H", "csv: the head (0-based, default 0)"},
            {"--out", "FILE", "write to FILE instead of stdout (required for npz)"},
            {"--truncate", "", "cut an over-long input to the model's maximum length"},
            {"--top", "K", "candidates kept in \"prediction\" (default 10)"},
        });
}

}  // namespace

int cmd_dump(const std::string& program, int argc, char** argv) {
    Args args = make_args();
    if (parse_or_help(args, program, argc, argv)) return 0;
    TraceFormat format = TraceFormat::Json;
    if (const auto f = args.get("--format"); f && !parse_trace_format(*f, &format))
        throw UsageError("option '--format' expects json, npz or csv, got '" + *f + "'");
    const auto out_path = args.get("--out");
    if (format == TraceFormat::Npz && (!out_path || *out_path == "-"))
        throw UsageError("--format npz writes a binary file: give --out FILE.npz");
    if (format != TraceFormat::Csv && (args.has("--layer") || args.has("--head")))
        throw UsageError("--layer and --head pick the head for --format csv");
    const int layer = args.get_int("--layer", 0, 0, 1 << 20);
    const int head = args.get_int("--head", 0, 0, 1 << 20);
    AttentionTrace trace;
    if (const auto import_path = args.get("--import")) {
        for (const char* flag :
             {"--model", "--text", "--text-file", "--pair", "--pair-file", "--truncate", "--top"})
            if (args.has(flag))
                throw UsageError(std::string("--import reads attention from a file; ") + flag +
                                 " belongs to a model run");
        trace = import_attention_npz(*import_path);
    } else {
        const std::string text = *text_option(args, "--text", "--text-file", true);
        const auto pair = text_option(args, "--pair", "--pair-file", false);
        RunOptions options;
        options.truncate = args.has("--truncate");
        options.top_k = args.get_positive_int("--top", 10, 1000);
        const std::filesystem::path dir = model_dir_option(args);
        const Model model = Model::load(dir);
        trace = run_text(model, text, pair, options);
    }

    // Files are written whole or not at all (a failed run or write leaves nothing behind).
    if (out_path && *out_path != "-") {
        save_trace(trace, *out_path, format, layer, head);
        return 0;
    }
    if (format == TraceFormat::Csv) {
        const std::string csv = head_csv(trace, layer, head);
        if (std::fwrite(csv.data(), 1, csv.size(), stdout) != csv.size() || std::fflush(stdout))
            throw Error("cannot write to stdout");
        return 0;
    }
    JsonWriter out(stdout, "stdout");
    write_trace_json(out, trace);
    out.flush();
    return 0;
}

}  // namespace attnscope::cli
