// attnscope rank: which heads attend most from one token to another (head search, issue 5).
#include <cstdio>

#include "attnscope/errors.h"
#include "attnscope/head_analysis.h"
#include "cli_common.h"
#include "json_out.h"

namespace attnscope::cli {

namespace {

Args make_args() {
    return Args(
        "rank", "--model DIR (--text TEXT | --text-file F) --from I --to J [options]",
        "Runs the model on the text and ranks every (layer, head) by the attention weight from "
        "token I (the query) to token J (the key). Token indices count from 0 and include the "
        "special tokens ('attnscope tokenize' lists them). Prints one JSON line: a list of "
        "{\"layer\", \"head\", \"weight\"}, best first; equal weights are ordered by layer, then "
        "head.",
        {
            {"--model", "DIR", "model folder with weights"},
            {"--text", "TEXT", "the input text"},
            {"--text-file", "F", "read the text from file F ('-' = stdin), bytes as they are"},
            {"--pair", "TEXT", "second segment, for encoders"},
            {"--pair-file", "F", "read the second segment from file F"},
            {"--from", "I", "index of the attending (query) token"},
            {"--to", "J", "index of the attended (key) token"},
            {"--top", "K", "print only the K best heads (default: all)"},
            {"--truncate", "", "cut an over-long input to the model's maximum length"},
        });
}

// A token index option; checked against the text's length once it is known.
int token_option(const Args& args, const std::string& name) {
    args.require(name);  // "missing --from" rather than a silent default
    return args.get_int(name, 0, 0, 1 << 30);
}

void require_token(int index, const std::string& flag, const AttentionTrace& trace) {
    if (index < trace.n_token) return;
    throw InputError(flag + " " + std::to_string(index) + " is past the last token: the text has " +
                     std::to_string(trace.n_token) + " tokens (0.." +
                     std::to_string(trace.n_token - 1) +
                     ", special tokens included); 'attnscope tokenize' lists them");
}

}  // namespace

int cmd_rank(const std::string& program, int argc, char** argv) {
    Args args = make_args();
    if (parse_or_help(args, program, argc, argv)) return 0;
    const std::string text = *text_option(args, "--text", "--text-file", true);
    const auto pair = text_option(args, "--pair", "--pair-file", false);
    const int from = token_option(args, "--from");
    const int to = token_option(args, "--to");
    const int top = args.get_positive_int("--top", 0, 1 << 20);  // 0 = all heads
    RunOptions options;
    options.top_k = 1;  // the prediction is not printed
    options.truncate = args.has("--truncate");
    const std::filesystem::path dir = model_dir_option(args);

    const Model model = Model::load(dir);
    const AttentionTrace trace = run_text(model, text, pair, options);
    require_token(from, "--from", trace);
    require_token(to, "--to", trace);
    const std::vector<RankedHead> ranked = rank_heads_by_weight(trace, from, to, top);

    JsonWriter out(stdout, "stdout");
    out.begin_array();
    for (const RankedHead& r : ranked) {
        out.begin_object();
        out.key("layer").value(r.layer);
        out.key("head").value(r.head);
        out.key("weight").value(r.weight);
        out.end_object();
    }
    out.end_array();
    out.newline();
    out.flush();
    if (std::fflush(stdout) != 0) throw Error("writing stdout failed");
    return 0;
}

}  // namespace attnscope::cli
