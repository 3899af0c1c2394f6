// Analysis of attention heads (issue 5): per-head statistics, head search, aggregation across
// heads and layers (rollout, flow), the value-weighted lens, word-level merging, and the
// difference of two sentences or two models. Pure functions on plain data; no GUI.
//
// Dimension names: L = n_layer, H = n_head, T = n_token, D = d_head, W = words.
// Matrices are row-major float vectors, row i = query (attending token), column j = key.
//
// Thread-safety: every function is re-entrant and reads only its arguments. attention_flow is
// slow for long inputs; run it off the UI thread (it takes a cancellation flag).
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attnscope/analysis.h"
#include "attnscope/trace.h"

namespace attnscope {

// [SECTION] Head statistics --------------------------------------------------------------------

// What one head does, summarised over all its query rows.
struct HeadStats {
    int layer = 0, head = 0;
    float entropy = 0;        // nats (natural log): mean over rows i of −Σ_j w_ij ln w_ij.
                              //   0 = every row one-hot; ln(n) = uniform over n keys
    float mean_distance = 0;  // tokens: mean over rows i of Σ_j w_ij |i − j|
    float max_weight = 0;     // largest w_ij of the head
    float special_mass = 0;   // mean over rows i of Σ_{j special} w_ij ([CLS], [SEP], <s> ...)
    float previous_mass = 0;  // mean over rows i ≥ 1 of w_{i,i−1} (0 when T = 1)
    float self_mass = 0;      // mean over rows i of w_ii
    float sink_mass = 0;      // mean over rows i of w_i0 (the first token as an "attention sink")
};

// Statistics of one [T][T] weight matrix. `special` is [T] (1 = special token) or empty (no
// special tokens). layer / head of the result are 0. Cost O(T²).
HeadStats head_stats_of(std::span<const float> weights, int n_token,
                        std::span<const uint8_t> special);

// Statistics of every head: [L][H] row-major (index layer·H + head). Cost O(L·H·T²).
std::vector<HeadStats> head_stats(const AttentionTrace& trace);

// Statistics of every head as `display` shows it ([L][H]): head_stats_of each shown matrix, so
// with hidden special tokens they describe the renormalised rows, with words the word matrix
// (distances in words), with the value lens the value-weighted shares. One exception:
// special_mass. Hidden special tokens have no column in the shown matrix, so when
// display.hide_special it is taken over the full rows instead: the mean over the shown query
// tokens of the mass (under the same lens) on every special token of `trace`, the display's
// source. Cost O(L·H·T²).
std::vector<HeadStats> display_head_stats(const DisplayTrace& display, const AttentionTrace& trace);

// [SECTION] Head search ------------------------------------------------------------------------

// One head in a ranking. `weight` is w_ij for rank_heads_by_weight and the statistic's value for
// rank_heads_by_statistic.
struct RankedHead {
    int layer = 0, head = 0;
    float weight = 0;
};

// Every head ranked by how much query token `query` attends to key token `key`: weight
// descending, ties by layer then head. top_k > 0 keeps the best top_k; 0 keeps all.
// Throws InputError if a token index is out of range, top_k < 0, or the key is masked for the
// query (a causal model's token cannot attend to a later one, so every weight would be 0).
std::vector<RankedHead> rank_heads_by_weight(const AttentionTrace& trace, int query, int key,
                                             int top_k = 0);

// The same from the matrices a view shows: `weights` is [L][H][S][S] (DisplayTrace::weights),
// ranked by cell (query, key). Throws InputError if an index is out of range or top_k < 0.
std::vector<RankedHead> rank_heads_by_cell(std::span<const float> weights, int n_layer, int n_head,
                                           int n_unit, int query, int key, int top_k = 0);

// The statistics heads can be searched by. All rank descending (largest value first).
enum class HeadStatistic {
    PreviousToken,  // previous_mass
    Self,           // self_mass
    Sink,           // sink_mass
    Special,        // special_mass
    Broad,          // entropy (spread-out heads first)
    Distance,       // mean_distance (long-range heads first)
    MaxWeight,      // max_weight
};
inline constexpr int k_head_statistic_count = 7;

// "previous", "self", "sink", "special", "broad", "distance", "max".
const char* head_statistic_name(HeadStatistic statistic);
// Parses a name of head_statistic_name(); returns false if unknown.
bool parse_head_statistic(std::string_view name, HeadStatistic* out);
float head_statistic_value(const HeadStats& stats, HeadStatistic statistic);

// Heads ranked by a statistic (stats as head_stats returns them): descending, ties by layer then
// head; top_k as above. Throws InputError if top_k < 0.
std::vector<RankedHead> rank_heads_by_statistic(std::span<const HeadStats> stats,
                                                HeadStatistic statistic, int top_k = 0);

// [SECTION] Aggregation across heads and layers -------------------------------------------------

// Mean over heads of each layer's weights: [L][T][T]. Rows still sum to 1.
std::vector<float> layer_means(const AttentionTrace& trace);

// Â = 0.5·A + 0.5·I with rows renormalised to sum 1 (the residual connection, as attention
// rollout and flow model it). A and out are [T][T]; out may not alias `attention`. A row of A
// that is all 0 becomes the identity row.
void add_residual(std::span<float> out, std::span<const float> attention, int n_token);

// Attention rollout (Abnar & Zuidema 2020) over the layers' head means `layer_attention`
// [L][T][T]: R_l = Â_l · Â_{l−1} ··· Â_0, returned for every l as [L][T][T]. R_l[i][j] is how
// much token i after layer l draws on input token j; rows sum to 1. Accumulated in double.
std::vector<float> attention_rollout_of(std::span<const float> layer_attention, int n_layer,
                                        int n_token);
// The same from a trace's head means ([L][T][T]).
std::vector<float> attention_rollout(const AttentionTrace& trace);

// Attention flow (Abnar & Zuidema 2020): the maximum flow from each input token to each token
// after the last of the given layers, in the layered graph whose nodes are the tokens before
// layer 0 and after every layer, and where the edge from token j before layer l to token i after
// it has capacity Â_l[i][j] (add_residual of the head mean). `layer_attention` is [L][T][T];
// the result is [T][T], row i = output token, column j = input token. Rows are at most 1 (the
// capacity into an output token), and flow ≥ rollout entry by entry (rollout's path products
// form a feasible flow).
//
// Cost: one max-flow (Dinic) per (input, output) pair, T² flows on a graph of (L+1)·T nodes and
// up to L·T² edges, so roughly T⁴·L: on stories260K (5 layers) 0.2 s for 58 tokens, 9 s for 142
// (one core); long inputs of deep models take minutes. Single-threaded. `cancel` (may be null) is
// checked before every pair and every augmentation phase; the result is empty if it became true.
// `progress` (may be null) receives the fraction of pairs done, in [0, 1].
std::vector<float> attention_flow_of(std::span<const float> layer_attention, int n_layer,
                                     int n_token, const std::atomic<bool>* cancel = nullptr,
                                     std::atomic<float>* progress = nullptr);
// The flow from the input to the tokens after `layer` (−1 = the last layer), over the trace's
// head means. Throws InputError if layer is out of range.
std::vector<float> attention_flow(const AttentionTrace& trace, int layer = -1,
                                  const std::atomic<bool>* cancel = nullptr,
                                  std::atomic<float>* progress = nullptr);

// [SECTION] Lenses: value-weighted attention (Kobayashi et al. 2020) -----------------------------

// ‖f(x_j)‖ for every key j of (layer, head), [T]: trace.value_out_norm (f(x_j) = v_j W_O^h, the
// value through the head's slice of the output projection) when the trace has it, else ‖v_j‖
// (imported traces), else 1 for every key (no value vectors at all); norm_source says which.
// Throws InputError if layer or head is out of range.
std::vector<float> value_norms(const AttentionTrace& trace, int layer, int head);
NormSource norm_source(const AttentionTrace& trace);
bool has_output_norms(const AttentionTrace& trace);  // norm_source is OutputProjection

// out[i][j] = ‖w_ij · f(x_j)‖ = w_ij · norms[j] (weights are never negative), [T][T]. With
// `renormalise`, each row is rescaled to sum 1 (a row that is all 0 stays 0): the share of the
// query's head output that comes from key j, on the same 0..1 scale as attention weights.
// Kobayashi et al. show the raw norms; the attention views show the shares, so heatmaps, head
// means, rollout and hiding tokens work the same under both lenses.
void value_weighted(std::span<float> out, std::span<const float> weights,
                    std::span<const float> norms, int n_token, bool renormalise);

// Raw ‖w_ij · f(x_j)‖ of (layer, head), [T][T] (value_weighted without renormalising). Rows do not
// sum to 1. Throws InputError if layer or head is out of range.
std::vector<float> value_norm_weighted(const AttentionTrace& trace, int layer, int head);

// One head's [T][T] matrix under a lens: the weights, or value_weighted(..., renormalise = true).
void lens_matrix(std::span<float> out, const AttentionTrace& trace, int layer, int head, Lens lens);
// Mean over each layer's heads of lens_matrix: [L][T][T] (layer_means for Lens::Attention).
std::vector<float> lens_layer_means(const AttentionTrace& trace, Lens lens);

// Rollout and flow as the views show them: computed on every token of the trace (the residual
// path runs through hidden tokens too) from lens_layer_means, then, when `words`, each [T][T]
// result merged into the words of group_words(trace) (merge_words), so U = T or the word count.
// Merging the token-level result, rather than rolling out merged matrices, keeps the model's own
// token-level mixing. lens_rollout: [L][U][U], rows sum to 1 (attention_rollout for
// Lens::Attention without words). lens_flow: [U][U] to the units after `layer` (-1 = last), empty
// if cancelled; see attention_flow_of for cost, `cancel` and `progress`. Throws InputError if
// layer is out of range.
std::vector<float> lens_rollout(const AttentionTrace& trace, Lens lens, bool words);
std::vector<float> lens_flow(const AttentionTrace& trace, Lens lens, bool words, int layer = -1,
                             const std::atomic<bool>* cancel = nullptr,
                             std::atomic<float>* progress = nullptr);

// [SECTION] Word-level merging (Clark et al. 2019) -----------------------------------------------

// Words made of consecutive tokens.
struct WordGroups {
    std::vector<std::string> labels;  // [W] the word as written (from the input text when the
                                      //     spans allow, else the tokens' display texts), without
                                      //     surrounding whitespace; special tokens by their
                                      //     vocabulary string ("[CLS]")
    std::vector<int32_t> begin;       // [W] first token of the word
    std::vector<int32_t> end;         // [W] one past its last token
    std::vector<int32_t> word_of;     // [T] the word of each token
    int n_word() const { return int(labels.size()); }
};

// Groups tokens into words. A token starts a new word if it is the first, a special token, or
// follows one; if it starts on another segment of a pair; if its display text begins with
// whitespace (GPT-2 "Ġ", Llama "▁"); or if whitespace separates it from the previous token in the
// input (its span; how WordPiece tokens, whose display texts drop spaces, are split). A WordPiece
// "##" continuation always joins the previous word. So words are whitespace-separated pieces of
// text ("didn't" is one word for every tokenizer). `text` / `text_pair` are the input segments
// the spans index (trace.text, trace.text_pair).
WordGroups group_words(const Encoding& encoding, std::string_view text,
                       std::string_view text_pair = {});
WordGroups group_words(const AttentionTrace& trace);

// A [T][T] attention matrix as [W][W]: out[a][b] = mean over tokens i of word a of the sum over
// tokens j of word b of in[i][j] (sum over the pieces attended to, mean over the pieces attending,
// as Clark et al. do), so rows that summed to 1 still do. Throws InputError if the sizes do not
// match the groups.
std::vector<float> merge_words(std::span<const float> attention, const WordGroups& words);

// The same for a [T][T] mask (1 = allowed): word a may attend to word b if some piece of a may
// attend to some piece of b. Throws InputError if the sizes do not match.
std::vector<uint8_t> merge_words_mask(std::span<const uint8_t> mask, const WordGroups& words);

// The words of the tokens `keep` (ascending trace indices): word_of / begin / end index into
// `keep`; words with no kept token are dropped (hidden special tokens are words of their own).
WordGroups restrict_words(const WordGroups& words, std::span<const int32_t> keep);

// [SECTION] Two sentences, two models --------------------------------------------------------

// Whether two traces can be compared cell by cell.
struct TraceAlignment {
    bool same_model = false;                // same model name and shape (layers, heads)
    bool aligned = false;                   // same model and the same number of tokens
    std::string reason;                     // why not, for a message; empty when aligned
    std::vector<int32_t> differing_tokens;  // when aligned: indices whose token ids differ
};
TraceAlignment align_traces(const AttentionTrace& a, const AttentionTrace& b);

// Whether two models' traces of the same text can be compared cell by cell.
struct ModelPairLayout {
    bool same_shape = false;   // equal n_layer and n_head
    bool same_tokens = false;  // the same tokenisation (vocabulary strings, one to one)
    std::string reason;        // why no difference can be shown; empty when both hold
    // Why the tokens do not line up, whatever the shapes ("" when same_tokens): what decides a
    // difference of results that do not depend on the shape, like the rollout's [T][T].
    std::string tokens_reason;
    bool difference() const { return same_shape && same_tokens; }
};
ModelPairLayout compare_models(const AttentionTrace& a, const AttentionTrace& b);

// weights(a) − weights(b) of (layer, head), [T][T]; cells masked in a hold k_masked_value
// (analysis.h), as the renderer expects for differences. Throws InputError with align_traces'
// reason if the traces do not align, or if layer or head is out of range.
std::vector<float> head_difference(const AttentionTrace& a, const AttentionTrace& b, int layer,
                                   int head);

}  // namespace attnscope
