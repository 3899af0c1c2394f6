// Traces to files and back: JSON (the `attnscope dump` format), NumPy .npz, CSV of one head, and
// importing attention that another program (Hugging Face transformers, say) saved as .npz.
//
// Dimension names: L = n_layer, H = n_head, G = n_kv_head, T = n_token, D = d_head, C = d_model.
//
// Thread-safety: every function is re-entrant and only reads its arguments; call them off the UI
// thread for long inputs (a 1024-token GPT-2 trace is over a gigabyte of floats).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attnscope/json_writer.h"
#include "attnscope/npy.h"
#include "attnscope/trace.h"

namespace attnscope {

// [SECTION] Formats

enum class TraceFormat {
    Json,  // the whole trace's attention and tokens (write_trace_json)
    Npz,   // NumPy arrays (write_trace_npz)
    Csv,   // one head's T x T weights (head_csv)
};
const char* trace_format_name(TraceFormat format);  // "json", "npz", "csv"
bool parse_trace_format(std::string_view name, TraceFormat* out);
// The format a file name asks for by its extension (.json, .npz, .csv); false if none of them.
bool trace_format_of_path(const std::filesystem::path& path, TraceFormat* out);

// Writes `trace` to `path` in `format`; `layer` and `head` pick the head for CSV (ignored
// otherwise). The file appears complete or not at all. Throws InputError for a layer or head out of
// range, Error if the file cannot be written.
void save_trace(const AttentionTrace& trace, const std::filesystem::path& path, TraceFormat format,
                int layer = 0, int head = 0);

// [SECTION] JSON

// The `attnscope dump` document: {"format": "attnscope-dump-v1", "model", "arch", "causal",
// "imported", "text", "n_token", "n_layer", "n_head", "n_kv_head", "d_head", "d_model", "tokens",
// "ids", "texts", "spans", "type_ids", "special", "position_ids", "prediction",
// "attention": [L][H][T][T]}, then a newline. Attention rows are streamed: no JSON tree is built.
void write_trace_json(JsonWriter& out, const AttentionTrace& trace);

// "next_token", "mask_fill" or "none".
const char* prediction_kind_name(PredictionKind kind);
// {"kind", "positions", "top": [[{"id", "token", "text", "prob", "logit"}, ...], ...]}
void write_prediction(JsonWriter& out, const Prediction& prediction);

// [SECTION] NumPy

// Writes the trace as an .npz that np.load reads (uncompressed, like np.savez). Arrays, each only
// when the trace has it (an imported trace has only the first group):
//   attention [L,H,T,T] float32   softmax weights (row = query, column = key)
//   mask      [T,T]     bool      True where query i may attend to key j
//   tokens    [T]       <U        vocabulary strings ("Ġit", "##ing")
//   texts     [T]       <U        display strings (" it", "ing")
//   ids       [T]       int32     vocabulary ids
//   special   [T]       bool      template tokens ([CLS], <s>, ...)
//   type_ids  [T]       int32     segment ids
//   scores    [L,H,T,T] float32   q·kᵀ/√D before softmax (masked: -inf)
//   q         [L,H,T,D] float32   queries;  k, v [L,G,T,D] keys and values
//   head_out  [L,H,T,D] float32   weights · V per head
//   embed     [T,C]     float32   input of layer 0;  hidden [L,T,C] after each layer
//   model, arch, text   0-d <U    what ran;  causal 0-d bool
// Throws Error if the file cannot be written. Archives of 4 GiB or more use zip64, as NumPy's do.
void write_trace_npz(const AttentionTrace& trace, const std::filesystem::path& path);

// [SECTION] CSV

// One head's weights as CSV: a header row "query \ key" followed by the key tokens' display
// strings, then one row per query token (its display string, then T weights in shortest
// round-trip decimal). Fields with a comma, quote, line break or leading/trailing space are quoted
// (RFC 4180). Throws InputError if layer or head is out of range.
std::string head_csv(const AttentionTrace& trace, int layer, int head);

// [SECTION] Import

// Rows of imported attention must sum to 1 within this.
inline constexpr double k_import_row_tolerance = 1e-3;

// Reads attention saved by another program, for models the engine does not run. Accepted keys:
//   attention (or attentions)   [L,H,T,T] or [L,1,H,T,T] (a batch of one), float16/32/64
//   attention_0, attention_1 ... or layer_0, layer_1 ...: one array per layer, [H,T,T] or
//                                [1,H,T,T], numbered from 0 without gaps (used when `attention`
//                                is absent)
//   tokens (optional)           [T] or [1,T]: a '<U' string array (np.array(tokens)), a '|S'
//                                bytes array, or a JSON string array stored as one string or as
//                                bytes; without it tokens are named "0", "1", ...
//   ids or input_ids (optional) [T] or [1,T] integers
//   texts, special, type_ids, model, arch, text (optional): as write_trace_npz writes them
// Converts to float32; C order or Fortran order (transposed). Checks that every layer has the same
// H and T, that tokens has T entries, and that every row is a probability row (no NaN, no negative
// weight, sum 1 within k_import_row_tolerance), naming the first row that is not.
// The result has weights, mask, tokens and the sizes; q, k, v, scores, head_out, hidden, embed
// are empty, prediction is None and `imported` is true. causal is true (and the mask lower
// triangular) when no row puts weight on a later token.
// Display strings are cleaned: GPT-2 byte-level "Ġ"/"Ċ" decoded, SentencePiece "▁" made a space,
// WordPiece "##" dropped; [CLS], [SEP], <s>, </s>, <|...|> and pad tokens count as special.
// Throws LoadError naming the file, the array and expected vs actual.
AttentionTrace import_attention_npz(const std::filesystem::path& path);
// The same for arrays already read; `what` names their source in errors.
AttentionTrace import_attention(const std::vector<NpzEntry>& entries, const std::string& what);

// Display strings for vocabulary strings of an unknown tokenizer (see import_attention_npz).
std::vector<std::string> clean_token_texts(const std::vector<std::string>& tokens);
// True for the usual special-token spellings: [CLS], [SEP], [PAD], <s>, </s>, <pad>, <|...|>.
bool looks_like_special_token(std::string_view token);

}  // namespace attnscope
