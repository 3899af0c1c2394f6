// Display maths: what the views show, derived from an AttentionTrace once per change (never per
// frame). Pure functions on plain data; no GUI.
//
// Dimension names: L = n_layer, H = n_head, T = tokens of the trace, S = units shown: the tokens
// (T minus the hidden special tokens), or the words they form when DisplayOptions::words is on.
//
// Thread-safety: every function is re-entrant; a DisplayTrace is immutable plain data once built
// and may be read from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attnscope/trace.h"

namespace attnscope {

// [SECTION] Colour maps

// The colour maps the renderer offers. shaders/colormaps.glsl computes the same functions on the
// GPU; colormap_rgb below is the CPU twin used by tests (and for legends).
enum class Colormap {
    Viridis,  // perceptual sequential (matplotlib's viridis, polynomial fit)
    Magma,    // perceptual sequential (matplotlib's magma, polynomial fit)
    RdBu,     // diverging: blue (low) - near white (middle) - red (high), ColorBrewer RdBu
};
inline constexpr int k_colormap_count = 3;

const char* colormap_name(Colormap map);  // "viridis", "magma", "rdbu"
bool colormap_is_diverging(Colormap map);
// Parses a name of colormap_name(); returns false if unknown.
bool parse_colormap(std::string_view name, Colormap* out);

struct Rgb8 {
    uint8_t r = 0, g = 0, b = 0;
};

// Colour of t in [0, 1] (clamped; NaN maps to 0) through `map`, rounded to 8 bits the way the GPU
// writes an RGBA8 target.
Rgb8 colormap_rgb(Colormap map, float t);

// The two greys of masked (not attendable) cells, drawn as diagonal stripes.
inline constexpr Rgb8 k_masked_light{128, 128, 128};
inline constexpr Rgb8 k_masked_dark{96, 96, 96};
// Value stored for a masked cell in the float buffers handed to the renderer.
inline constexpr float k_masked_value = -1e30f;
inline bool is_masked_value(float v) {
    return v < -1e29f;
}

// [SECTION] Display options and the display trace

// How values map to colours.
enum class ValueScale {
    Unit,     // 0..1 for weights (a probability reads the same in every head)
    HeadMax,  // 0..max of the shown matrix (faint heads become visible)
};

// What the attention views colour: the softmax weights, or how much each key actually moves the
// query's output through the head (Kobayashi et al. 2020, "Attention is not only a weight").
enum class Lens {
    Attention,      // w_ij, the attention weights
    ValueWeighted,  // ‖w_ij · f(x_j)‖, f(x_j) = v_j W_O^h, each row rescaled to sum 1 (see
                    // lens_matrix in head_analysis.h)
};
const char* lens_name(Lens lens);  // "attention", "value" (the --lens values)

// Where the value-weighted lens gets ‖f(x_j)‖ from (value_norms in head_analysis.h).
enum class NormSource {
    OutputProjection,  // trace.value_out_norm: ‖v_j W_O^h‖, Kobayashi et al.'s f(x_j)
    ValueOnly,         // no W_O norms in the trace (e.g. imported): ‖v_j‖
    None,              // no value vectors either: every key counts 1, so the lens shows weights
};
// Parses a name of lens_name(); returns false if unknown.
bool parse_lens(std::string_view name, Lens* out);

// Options every view honours. core computes what depends on them (hidden tokens, renormalised
// rows, labels); the renderer reads colormap / scale, the app reads font_scale.
struct DisplayOptions {
    bool hide_special = false;  // drop the [CLS], [SEP], BOS... the tokenizer's template
                                // added (not a [MASK] the user typed); renormalise rows
    bool one_based = false;     // layer / head labels start at 1 instead of 0
    Colormap colormap = Colormap::Viridis;  // sequential map for weights
    Colormap diverging = Colormap::RdBu;    // map for differences
    ValueScale scale = ValueScale::Unit;
    float font_scale = 1.0f;  // UI text size multiplier (app only)
    bool words = false;       // merge sub-word tokens into words (Clark et al. 2019): rows are
                              // averaged over a word's pieces, columns summed, so rows still sum 1
    Lens lens = Lens::Attention;

    // True if switching from `other` to this needs a new DisplayTrace (vs only a redraw).
    bool needs_recompute(const DisplayOptions& other) const {
        return hide_special != other.hide_special || one_based != other.one_based ||
               words != other.words || lens != other.lens;
    }
};

// The view model: the trace's attention under the chosen lens, restricted to the shown tokens and
// (when words are on) merged into words, with labels. Built in this order, per head:
//   1. lens: the weights, or the value-weighted norms with rows rescaled to sum 1;
//   2. hide special tokens: drop them, renormalise each token's row over the shown keys;
//   3. words: merge the shown tokens into words (merge_words: mean over the pieces of the query
//      word, sum over the pieces of the key word).
// Special tokens are always words of their own (group_words), so hiding removes whole words and
// a typed [MASK] stays a word. Hiding comes before merging so that each piece's row is the
// distribution the token view shows, and a word's row is their mean.
// A "unit" below is a shown token, or a shown word when `words`.
struct DisplayTrace {
    int n_layer = 0, n_head = 0;
    int n_token = 0;         // S, shown units (tokens, or words when `words`)
    int n_source_token = 0;  // T, tokens of the trace
    bool causal = false;
    bool hide_special = false;
    bool one_based = false;
    bool words = false;                                     // units are words
    Lens lens = Lens::Attention;                            // what `weights` holds
    NormSource norm_source = NormSource::OutputProjection;  // what the value lens used

    std::vector<int32_t> source_index;      // [S] trace index of each unit's (first) token
    std::vector<int32_t> source_end;        // [S] one past the unit's last trace token
    std::vector<int32_t> display_index;     // [T] the unit each trace token belongs to, -1 if
                                            //     hidden
    std::vector<std::string> labels;        // [S] token labels (whitespace made visible) or words
    std::vector<uint8_t> special;           // [S] 1 for special tokens (only when not hidden)
    std::vector<uint8_t> word_start;        // [S] 1 if the unit starts a word (always for words)
    std::vector<uint8_t> mask;              // [S][S] 1 where query i may attend to key j (words:
                                            //   where some piece of i may attend to some of j)
    FloatBuffer weights;                    // [L][H][S][S] under the lens, rows renormalised over
                                            //   the shown keys, merged into words; masked cells 0
    FloatBuffer layer_mean;                 // [L][S][S] mean over heads of `weights`
    std::vector<float> head_max;            // [L][H] largest weight of each head's shown matrix
    std::vector<std::string> layer_labels;  // [L] "0".. or "1"..
    std::vector<std::string> head_labels;   // [H]

    size_t ss() const { return size_t(n_token) * n_token; }
    std::span<const float> weights_of(int layer, int head) const {
        return {weights.data() + (size_t(layer) * n_head + head) * ss(), ss()};
    }
    std::span<const float> layer_mean_of(int layer) const {
        return {layer_mean.data() + size_t(layer) * ss(), ss()};
    }
    float max_of(int layer, int head) const { return head_max[size_t(layer) * n_head + head]; }
    bool masked(int query, int key) const { return mask[size_t(query) * n_token + key] == 0; }
    // Number of trace tokens unit s covers (1 for tokens).
    int pieces(int unit) const { return source_end[size_t(unit)] - source_index[size_t(unit)]; }
};

// Builds the view model. Cost O(L*H*T*T); call on change (new trace or needs_recompute), off the
// UI thread for long inputs.
DisplayTrace make_display_trace(const AttentionTrace& trace, const DisplayOptions& options);

// What a DisplayTrace's values are, for legends and tooltips: "attention weight",
// "value-weighted share ‖w·v·W_O‖, rows rescaled to sum 1", or a fallback saying what is missing.
std::string lens_description(const DisplayTrace& display);
// How a unit is named in tooltips: "token 7", or "word 3 (tokens 4-6)" / "word 3 (token 4)".
std::string unit_ref(const DisplayTrace& display, int unit);

// [SECTION] Building blocks (each tested on its own)

// Indices of the tokens to show: all, or, when hide_special, all but the special tokens the
// tokenizer's template added (special[i] and spans[i].segment == -1; a typed [MASK] stays).
std::vector<int32_t> shown_tokens(const Encoding& encoding, bool hide_special);

// out[S][S] = in[T][T] restricted to rows and columns `keep`, each row rescaled to sum 1 over the
// kept columns that `mask` allows (mask [T][T], 1 = allowed). Rows whose kept mass is 0 stay 0.
void select_renormalise(std::span<float> out, std::span<const float> in,
                        std::span<const uint8_t> mask, int n_token, std::span<const int32_t> keep);

// out[S][S] = mean over h of in[h][S][S].
void head_mean(std::span<float> out, std::span<const float> in, int n_head, int n_token);

// out = a - b, element-wise; masked cells (mask 0) get k_masked_value.
void difference(std::span<float> out, std::span<const float> a, std::span<const float> b,
                std::span<const uint8_t> mask);

// Copies `in` and writes k_masked_value where mask is 0: the buffer the renderer uploads.
void apply_mask(std::span<float> out, std::span<const float> in, std::span<const uint8_t> mask);

// Largest value ignoring masked cells (0 if none); largest |value| likewise.
float max_value(std::span<const float> values, std::span<const uint8_t> mask);
float max_abs_value(std::span<const float> values, std::span<const uint8_t> mask);

// The colour range [lo, hi] for a matrix: weights with Unit scale -> [0, 1]; HeadMax -> [0, max];
// a difference -> symmetric [-m, m].
struct ValueRange {
    float lo = 0, hi = 1;
};
ValueRange weight_range(ValueScale scale, float max);
// The smallest half-width of a difference's colour scale: 1e-3 of attention weight. Below it a
// difference is noise (float rounding) or too small to matter, and shows pale, not saturated.
inline constexpr float k_min_difference_scale = 1e-3f;
ValueRange difference_range(float max_abs);  // ±max(max_abs, k_min_difference_scale); 0: ±1
// t in [0, 1] for the colour map; degenerate ranges map everything to 0.
float normalise(float value, ValueRange range);

// One query -> key connection of one head, for line drawings (the head view).
struct Link {
    int32_t query = 0, key = 0, head = 0;
    float weight = 0;
};

// The strongest links of one layer among the heads with heads[h] != 0: only from row `query` and
// only into column `key` when those are >= 0, with weight >= min_weight, at most max_links of
// them, strongest first. Masked cells never appear.
std::vector<Link> strongest_links(const DisplayTrace& display, int layer,
                                  std::span<const uint8_t> heads, int query, int key,
                                  float min_weight, size_t max_links);

// A token's label: its display text with one leading space dropped, newlines / tabs shown as
// arrows and a whitespace-only token as an open box; `fallback` (the vocabulary string) if the
// text is empty or only U+FFFD (a byte of a split character).
std::string token_label(std::string_view text, std::string_view fallback);

// "3" or "4" for index 3, by option.
std::string index_label(int index, bool one_based);

}  // namespace attnscope
