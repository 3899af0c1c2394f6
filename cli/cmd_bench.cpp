// attnscope bench: wall time and memory of a full forward pass (everything recorded, as the app
// runs it) on N random tokens, one JSON line per N; with --append K, of a run that starts from the
// trace of the first N-K tokens (RunOptions::reuse), as the app runs one after a keystroke.
//
// --shape builds a real model's shape from random weights in memory, so the benchmark needs no
// download; the configs below are the numbers of the published config.json files.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <sstream>

#include "attnscope/errors.h"
#include "cli_common.h"
#include "json_out.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace attnscope::cli {

namespace {

struct Shape {
    const char* name;
    const char* config_json;
    int32_t first_id;  // the id every input starts with ([CLS] for the encoder), or -1
};

// gpt2: ../shared/models/gpt2/config.json. bert-base: bert-base-uncased's published config.
constexpr Shape k_shapes[] = {
    {"gpt2-small",
     R"({"model_type": "gpt2", "n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024,
         "n_ctx": 1024, "vocab_size": 50257, "activation_function": "gelu_new",
         "layer_norm_epsilon": 1e-05, "bos_token_id": 50256, "eos_token_id": 50256})",
     -1},
    {"bert-base",
     R"({"model_type": "bert", "num_hidden_layers": 12, "num_attention_heads": 12,
         "hidden_size": 768, "intermediate_size": 3072, "max_position_embeddings": 512,
         "vocab_size": 30522, "type_vocab_size": 2, "hidden_act": "gelu",
         "layer_norm_eps": 1e-12, "pad_token_id": 0})",
     101},
};

Args make_args() {
    return Args(
        "bench", "(--model DIR | --shape NAME) --tokens N[,N...] [options]",
        "Times a full forward pass (run_encoding, every intermediate recorded) on N random valid "
        "token ids and prints one JSON line per N: {\"model\", \"tokens\", \"median_ms\", "
        "\"min_ms\", \"peak_rss_mb\", \"threads\", \"repeat\"}. peak_rss_mb is the peak resident "
        "memory of the whole process so far (weights included; it never goes down, so list N in "
        "increasing order). Threads: OMP_NUM_THREADS. --append K times instead a run of the N "
        "tokens given the trace of the first N-K (a causal model computes only the last K; the "
        "line adds \"append\" and \"reused\", the tokens copied).",
        {
            {"--model", "DIR", "model folder with weights"},
            {"--shape", "NAME", "random weights of a real model's shape: gpt2-small, bert-base"},
            {"--tokens", "N[,N...]", "input lengths in tokens"},
            {"--repeat", "R", "timed runs per N (default 5); the median and minimum are shown"},
            {"--warmup", "W", "untimed runs per N before timing (default 1; 0 for none)"},
            {"--seed", "S", "seed for the random weights and ids (default 1)"},
            {"--append", "K",
             "time a run of N tokens that starts from the trace of the first N-K (K < N)"},
        });
}

std::vector<int> parse_token_counts(const std::string& list) {
    std::vector<int> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) {
        auto n = parse_positive_int(item, 1 << 20);
        if (!n)
            throw UsageError(
                "option '--tokens' expects positive whole numbers separated by commas, "
                "got '" +
                list + "'");
        out.push_back(*n);
    }
    if (out.empty()) throw UsageError("option '--tokens' needs at least one number");
    return out;
}

int thread_count() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The id of the first special token the model expects ([CLS], <s>), or -1 for none.
int32_t first_token_id(const Model& model) {
    if (model.config().causal || !model.has_tokenizer()) return -1;
    for (const char* name : {"[CLS]", "<s>"})
        if (auto id = model.tokenizer().token_to_id(name)) return *id;
    return -1;
}

// Random ids the model accepts. The mask token is left out: it would make an encoder compute MLM
// logits at that position and the timing would depend on the seed.
Encoding random_encoding(const Model& model, int n_token, int32_t first_id, std::mt19937_64& rng) {
    int32_t vocab = model.config().vocab_size;
    if (model.has_tokenizer()) vocab = std::min(vocab, model.tokenizer().vocab_size());
    std::optional<int32_t> mask_id;
    if (model.has_tokenizer()) mask_id = model.tokenizer().mask_token_id();
    std::uniform_int_distribution<int32_t> pick(0, vocab - 1);

    Encoding enc;
    for (int i = 0; i < n_token; ++i) {
        int32_t id = pick(rng);
        while (mask_id && id == *mask_id) id = pick(rng);
        if (i == 0 && first_id >= 0) id = first_id;
        enc.ids.push_back(id);
        enc.tokens.push_back(model.has_tokenizer() ? model.tokenizer().id_to_token(id) : "");
        enc.texts.push_back(enc.tokens.back());
        enc.spans.push_back({0, 0, 0});
        enc.type_ids.push_back(0);
        enc.special.push_back(i == 0 && first_id >= 0 ? 1 : 0);
    }
    return enc;
}

// The first n tokens of `enc`.
Encoding first_tokens(const Encoding& enc, int n) {
    std::vector<int32_t> keep(size_t(n), 0);
    for (int i = 0; i < n; ++i) keep[size_t(i)] = i;
    return select_tokens(enc, keep);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int cmd_bench(const std::string& program, int argc, char** argv) {
    Args args = make_args();
    if (parse_or_help(args, program, argc, argv)) return 0;
    if (args.has("--model") == args.has("--shape"))
        throw UsageError("give exactly one of --model DIR and --shape NAME");
    const std::vector<int> counts = parse_token_counts(args.require("--tokens"));
    const int repeat = args.get_positive_int("--repeat", 5, 10000);
    const int warmup = args.get_int("--warmup", 1, 0, 1000);
    const int seed = args.get_positive_int("--seed", 1);
    const int append = args.has("--append") ? args.get_positive_int("--append", 1) : 0;  // 0: full

    const Shape* shape = nullptr;
    if (auto name = args.get("--shape")) {
        for (const Shape& s : k_shapes)
            if (*name == s.name) shape = &s;
        if (!shape)
            throw UsageError("option '--shape' expects gpt2-small or bert-base, got '" + *name +
                             "'");
    }

    std::optional<Model> model;
    int32_t first_id = -1;
    if (shape) {
        const ModelConfig config = parse_model_config(shape->config_json, shape->name);
        model.emplace(
            Model::from_weights(config, *random_weights(uint64_t(seed)), nullptr, shape->name));
        first_id = shape->first_id;
    } else {
        model.emplace(Model::load(model_dir_option(args)));
        first_id = first_token_id(*model);
    }

    std::mt19937_64 rng{uint64_t(seed)};
    JsonWriter out(stdout, "stdout");
    int n_failed = 0;
    for (int n : counts) {
        out.begin_object();
        out.key("model").value(model->name());
        out.key("tokens").value(n);
        try {
            if (n > model->config().max_positions)
                throw InputError(std::to_string(n) + " tokens is more than the " +
                                 std::to_string(model->config().max_positions) +
                                 " positions the model has");
            if (append >= n)
                throw InputError("--append " + std::to_string(append) +
                                 " leaves no tokens to start from in " + std::to_string(n));
            const Encoding enc = random_encoding(*model, n, first_id, rng);
            // The trace on screen before the last K tokens were typed (untimed).
            std::optional<AttentionTrace> earlier;
            RunOptions options;
            if (append > 0) {
                earlier = run_encoding(*model, first_tokens(enc, n - append));
                options.reuse = &*earlier;
            }
            std::vector<double> ms;
            int reused = 0;
            for (int r = 0; r < warmup + repeat; ++r) {
                const auto start = std::chrono::steady_clock::now();
                AttentionTrace trace = run_encoding(*model, enc, options);
                const auto stop = std::chrono::steady_clock::now();
                reused = trace.reused_prefix;
                if (r >= warmup)
                    ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
            }
            if (append > 0) {
                out.key("append").value(append);
                out.key("reused").value(reused);
            }
            out.key("median_ms").value_rounded(median(ms), 3);
            out.key("min_ms").value_rounded(*std::min_element(ms.begin(), ms.end()), 3);
            out.key("peak_rss_mb").value_rounded(peak_rss_mb(), 1);
            out.key("threads").value(thread_count());
            out.key("repeat").value(repeat);
        } catch (const Error& e) {
            ++n_failed;
            out.key("error").value(e.what());
        }
        out.end_object();
        out.newline();
        out.flush();  // one line as soon as it is measured: long runs show progress
    }
    return n_failed ? 1 : 0;
}

}  // namespace attnscope::cli
