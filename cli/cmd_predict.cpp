// attnscope predict: the model's top-k answer for a text: the next token (GPT-2, Llama) or the
// fill of each [MASK] (BERT, RoBERTa, DistilBERT).
#include <algorithm>
#include <cstdio>

#include "attnscope/errors.h"
#include "cli_common.h"
#include "json_out.h"
#include "trace_json.h"

namespace attnscope::cli {

namespace {

Args make_args() {
    return Args(
        "predict", "--model DIR (--text TEXT | --text-file F) [options]",
        "Prints the K most likely next tokens (left-to-right models) or the K most likely "
        "fills of each mask token (masked models: put [MASK], or <mask> for RoBERTa, in "
        "the text), with their probabilities. A table by default; --json for one JSON "
        "line.",
        {
            {"--model", "DIR", "model folder with weights"},
            {"--text", "TEXT", "the input text"},
            {"--text-file", "F", "read the text from file F ('-' = stdin), bytes as they are"},
            {"--pair", "TEXT", "second segment, for encoders"},
            {"--pair-file", "F", "read the second segment from file F"},
            {"--top", "K", "how many candidates to show (default 10)"},
            {"--json", "", "print JSON instead of a table"},
            {"--truncate", "", "cut an over-long input to the model's maximum length"},
        });
}

// Why there is nothing to predict, in words the user can act on.
[[noreturn]] void explain_no_prediction(const Model& model, const AttentionTrace& tr) {
    const std::string mask = model.has_tokenizer() ? model.tokenizer().mask_token() : "";
    const auto mask_id = model.has_tokenizer() ? model.tokenizer().mask_token_id() : std::nullopt;
    const bool has_mask_token = mask_id && std::find(tr.tokens.ids.begin(), tr.tokens.ids.end(),
                                                     *mask_id) != tr.tokens.ids.end();
    if (has_mask_token)
        throw InputError(model.name() +
                         " has no masked-language-model head in its weights, so "
                         "it cannot fill " +
                         mask);
    if (!mask.empty())
        throw InputError("the text has no " + mask + " token; " + model.name() +
                         " predicts masked tokens, so put " + mask +
                         " where a word is missing, e.g. \"The capital of France is " + mask +
                         ".\"");
    throw InputError(model.name() +
                     " cannot predict tokens (no language-model head and no mask "
                     "token in its vocabulary)");
}

void print_table(const AttentionTrace& tr) {
    const Prediction& pred = tr.prediction;
    for (size_t p = 0; p < pred.positions.size(); ++p) {
        const int pos = pred.positions[p];
        if (pred.kind == PredictionKind::NextToken)
            std::printf("%s: next token after %d tokens (last: %s)\n", tr.model_name.c_str(),
                        tr.n_token, quote_for_display(tr.tokens.tokens[pos]).c_str());
        else
            std::printf("%s%s: %s at token %d\n", p ? "\n" : "", tr.model_name.c_str(),
                        quote_for_display(tr.tokens.tokens[pos]).c_str(), pos);
        std::printf("%5s  %10s  %8s  %s\n", "rank", "prob", "id", "token (text)");
        int rank = 0;
        for (const TokenProb& c : pred.top[p]) {
            std::printf("%5d  %10.6f  %8d  %s (%s)\n", ++rank, double(c.prob), c.id,
                        quote_for_display(c.token).c_str(), quote_for_display(c.text).c_str());
        }
    }
}

void print_json(const AttentionTrace& tr) {
    JsonWriter out(stdout, "stdout");
    out.begin_object();
    out.key("model").value(tr.model_name);
    out.key("arch").value(arch_name(tr.arch));
    out.key("n_token").value(tr.n_token);
    out.key("tokens").string_array(tr.tokens.tokens);
    out.key("ids").int_array(tr.tokens.ids);
    out.key("prediction");
    write_prediction(out, tr.prediction);
    out.end_object();
    out.newline();
    out.flush();
}

}  // namespace

int cmd_predict(const std::string& program, int argc, char** argv) {
    Args args = make_args();
    if (parse_or_help(args, program, argc, argv)) return 0;
    const std::string text = *text_option(args, "--text", "--text-file", true);
    const auto pair = text_option(args, "--pair", "--pair-file", false);
    RunOptions options;
    options.top_k = args.get_positive_int("--top", 10, 1000);
    options.truncate = args.has("--truncate");
    const std::filesystem::path dir = model_dir_option(args);

    const Model model = Model::load(dir);
    const AttentionTrace trace = run_text(model, text, pair, options);
    if (trace.prediction.kind == PredictionKind::None || trace.prediction.top.empty())
        explain_no_prediction(model, trace);
    if (args.has("--json"))
        print_json(trace);
    else
        print_table(trace);
    if (std::fflush(stdout) != 0) throw Error("writing stdout failed");
    return 0;
}

}  // namespace attnscope::cli
