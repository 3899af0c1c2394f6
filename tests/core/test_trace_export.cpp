// Trace export and import (core/src/trace_export.cpp, trace_import.cpp, svg_export.cpp): the
// dump -> npz -> import round trip, NumPy-made files as transformers users save them, every bad
// file the importer must refuse, CSV quoting, JSON, and the SVG structure.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

#include "attnscope/engine.h"
#include "attnscope/svg_export.h"
#include "attnscope/trace_export.h"
#include "test_util.h"

using namespace attnscope;
using attnscope::test::bert_tiny;
using attnscope::test::expect_load_error;
using attnscope::test::gpt2_tiny;

namespace {

std::filesystem::path data_file(const std::string& name) {
    return std::filesystem::path(ATTNSCOPE_TEST_DATA) / "npz" / name;
}

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

// Splits RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& csv) {
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false, was_quoted = false;
    for (size_t i = 0; i < csv.size(); ++i) {
        const char c = csv[i];
        if (quoted) {
            if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = was_quoted = true;
        } else if (c == ',') {
            rows.back().push_back(field);
            field.clear();
            was_quoted = false;
        } else if (c == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') {
            rows.back().push_back(field);
            field.clear();
            was_quoted = false;
            rows.emplace_back();
            ++i;
        } else {
            field += c;
        }
    }
    if (!field.empty() || was_quoted) rows.back().push_back(field);
    if (rows.back().empty()) rows.pop_back();
    return rows;
}

void check_same_attention(const AttentionTrace& a, const AttentionTrace& b) {
    CHECK(a.n_layer == b.n_layer);
    CHECK(a.n_head == b.n_head);
    CHECK(a.n_token == b.n_token);
    REQUIRE(a.weights.size() == b.weights.size());
    // Exact: float32 goes through the file bit for bit.
    CHECK(std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * 4) == 0);
    CHECK(a.mask == b.mask);
    CHECK(a.causal == b.causal);
    CHECK(a.tokens.tokens == b.tokens.tokens);
    CHECK(a.tokens.texts == b.tokens.texts);
    CHECK(a.tokens.ids == b.tokens.ids);
    CHECK(a.tokens.special == b.tokens.special);
}

}  // namespace

TEST_CASE("trace export: run -> npz -> import gives the same matrices (GPT-2 and BERT)") {
    const auto dir = test::temp_dir("trace-npz");
    for (const Model* model : {&gpt2_tiny(), &bert_tiny()}) {
        const AttentionTrace tr = run_model(*model, "Hello, \"world\": it's <b>me</b> & you.");
        const auto path = dir / (tr.model_name + ".npz");
        write_trace_npz(tr, path);
        const AttentionTrace back = import_attention_npz(path);
        CAPTURE(tr.model_name);
        check_same_attention(tr, back);
        CHECK(back.imported);
        CHECK(!tr.imported);
        CHECK(back.model_name == tr.model_name);
        CHECK(back.text == tr.text);
        CHECK(back.q.empty());
        CHECK(back.scores.empty());
        CHECK(back.d_head == 0);
        // The recorded tensors are in the file too, with their shapes.
        const std::vector<NpzEntry> entries = read_npz(path);
        auto shape_of = [&](const std::string& name) {
            for (const NpzEntry& e : entries)
                if (e.name == name) return e.array.shape;
            return std::vector<int64_t>{-1};
        };
        const int64_t L = tr.n_layer, H = tr.n_head, G = tr.n_kv_head, T = tr.n_token,
                      D = tr.d_head, C = tr.d_model;
        CHECK(shape_of("scores") == std::vector<int64_t>{L, H, T, T});
        CHECK(shape_of("q") == std::vector<int64_t>{L, H, T, D});
        CHECK(shape_of("k") == std::vector<int64_t>{L, G, T, D});
        CHECK(shape_of("v") == std::vector<int64_t>{L, G, T, D});
        CHECK(shape_of("head_out") == std::vector<int64_t>{L, H, T, D});
        CHECK(shape_of("hidden") == std::vector<int64_t>{L, T, C});
        CHECK(shape_of("ids") == std::vector<int64_t>{T});

        // An imported trace exports and imports again unchanged (only what it has).
        const auto again = dir / (tr.model_name + "-again.npz");
        write_trace_npz(back, again);
        check_same_attention(back, import_attention_npz(again));
        CHECK(read_npz(again).size() < entries.size());
    }
    CHECK(import_attention_npz(dir / "test--gpt2-tiny-random.npz").causal);
    CHECK(!import_attention_npz(dir / "test--bert-tiny-random.npz").causal);
}

TEST_CASE("trace import: transformers-style files made with numpy") {
    SUBCASE("[L, 1, H, T, T] float32 with byte-level BPE tokens (np.savez)") {
        const AttentionTrace tr = import_attention_npz(data_file("hf_gpt2_batch1.npz"));
        CHECK(tr.n_layer == 2);
        CHECK(tr.n_head == 3);
        CHECK(tr.n_token == 6);
        CHECK(tr.causal);
        CHECK(tr.mask[1] == 0);  // query 0 cannot see key 1
        CHECK(tr.tokens.texts ==
              std::vector<std::string>{"The", " animal", " didn", "'t", " cross", "\n"});
        CHECK(tr.tokens.ids == std::vector<int32_t>{464, 5044, 1422, 470, 3272, 198});
        CHECK(tr.model_name == "hf_gpt2_batch1.npz");
        CHECK(tr.text == "The animal didn't cross\n");
    }
    SUBCASE("per-layer float16 arrays, compressed (np.savez_compressed), WordPiece tokens") {
        const AttentionTrace tr =
            import_attention_npz(data_file("hf_bert_layers_f16_compressed.npz"));
        CHECK(tr.n_layer == 3);
        CHECK(tr.n_head == 2);
        CHECK(tr.n_token == 7);
        CHECK(!tr.causal);
        CHECK(tr.tokens.texts[3] == "al");  // "##al"
        CHECK(tr.tokens.special == std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 1});
        CHECK(tr.tokens.spans[0].segment == -1);  // hidden by "hide special tokens"
        CHECK(tr.tokens.spans[1].segment == 0);
        CHECK(tr.tokens.ids == std::vector<int32_t>(7, -1));
    }
    SUBCASE("layer_N float64 in Fortran order, tokens as JSON bytes, SentencePiece") {
        // The fixture is causal: a wrong transpose would put weight above the diagonal.
        const AttentionTrace tr =
            import_attention_npz(data_file("layers_f64_fortran_json_tokens.npz"));
        CHECK(tr.n_layer == 2);
        CHECK(tr.n_token == 5);
        CHECK(tr.causal);
        CHECK(tr.weights[0] == 1.0f);  // query 0 of a causal head sees only itself
        CHECK(tr.tokens.tokens[1] == "\xe2\x96\x81Once");
        CHECK(tr.tokens.texts == std::vector<std::string>{"<s>", " Once", " upon", " a", "\n"});
        CHECK(tr.tokens.special[0] == 1);
    }
    SUBCASE("tokens as a bytes array") {
        const AttentionTrace tr = import_attention_npz(data_file("bytes_tokens.npz"));
        CHECK(tr.tokens.tokens == std::vector<std::string>{"a", "b,c", "\"d\"", "e"});
    }
}

TEST_CASE("trace import: every bad file is refused with a message that says what is wrong") {
    auto bad = [](const std::string& name, std::initializer_list<const char*> words) {
        CAPTURE(name);
        expect_load_error([&] { import_attention_npz(data_file(name)); }, words);
    };
    bad("bad_row_sum.npz",
        {"bad_row_sum.npz", "layer 1, head 0, query 3", "sums to 0.87", "expected 1 within 0.001"});
    bad("bad_negative.npz", {"layer 0, head 1, query 2, key 4", "-0.25", ">= 0"});
    bad("bad_not_square.npz", {"'attention'", "(2, 2, 5, 4)", "must be equal"});
    bad("bad_token_count.npz", {"'tokens'", "(4,)", "T = 5"});
    bad("bad_no_attention.npz", {"no attention found", "'attention'", "'weights' (2, 2, 5, 5)"});
    bad("bad_batch2.npz", {"batch of 2", "attention[:, 0]"});
    bad("bad_big_endian.npz", {"'>f4'", "big-endian"});
    bad("bad_int_attention.npz", {"float16, float32 or float64", "'<i4'"});
    bad("bad_layer_gap.npz", {"'attention_1' is missing", "without gaps"});
    bad("bad_object_tokens.npz", {"tokens.npy", "object array", "np.array(tokens)"});

    const auto dir = test::temp_dir("bad-import");
    // Not an npz at all, an empty file, a truncated npz.
    test::write_file(dir / "text.npz", "query,key\n0.5,0.5\n");
    expect_load_error([&] { import_attention_npz(dir / "text.npz"); }, {"text.npz", "not an .npz"});
    test::write_file(dir / "empty.npz", "");
    expect_load_error([&] { import_attention_npz(dir / "empty.npz"); }, {"empty.npz"});
    const std::string good = read_binary_file(data_file("hf_gpt2_batch1.npz"));
    test::write_file(dir / "cut.npz", good.substr(0, good.size() - 100));
    expect_load_error([&] { import_attention_npz(dir / "cut.npz"); }, {"cut.npz", "truncated"});
    expect_load_error([&] { import_attention_npz(dir / "missing.npz"); },
                      {"missing.npz", "cannot open"});
    // NaN in a row.
    std::vector<float> w = {0.5f, 0.5f, std::nanf(""), 1.0f};
    write_npz(dir / "nan.npz", std::vector<NpzMember>{{"attention", npy_ref_f32(w, {1, 1, 2, 2})}});
    expect_load_error([&] { import_attention_npz(dir / "nan.npz"); },
                      {"layer 0, head 0, query 1, key 0", "nan"});
}

TEST_CASE("trace import: a lone .npy is the attention, and tokens default to their indices") {
    const auto dir = test::temp_dir("npy-import");
    const std::vector<float> w = {1, 0, 0.25f, 0.75f};
    write_npy(dir / "a.npy", npy_from_f32(w, {1, 1, 2, 2}));
    const AttentionTrace tr = import_attention_npz(dir / "a.npy");
    CHECK(tr.tokens.tokens == std::vector<std::string>{"0", "1"});
    CHECK(tr.causal);
}

TEST_CASE("clean_token_texts: byte-level, SentencePiece and WordPiece spellings") {
    CHECK(clean_token_texts({"Hello", "Ġworld", "Ċ", "Ġcaf", "Ã©"}) ==
          std::vector<std::string>{"Hello", " world", "\n", " caf", "\xc3\xa9"});
    CHECK(clean_token_texts({"<s>", "\xe2\x96\x81the", "<0x0A>"}) ==
          std::vector<std::string>{"<s>", " the", "\n"});
    CHECK(clean_token_texts({"[CLS]", "play", "##ing", "[SEP]"}) ==
          std::vector<std::string>{"[CLS]", "play", "ing", "[SEP]"});
    CHECK(looks_like_special_token("<|endoftext|>"));
    CHECK(!looks_like_special_token("[MASK]"));  // a typed mask stays visible
}

TEST_CASE("head_csv: header of key tokens, one row per query, RFC 4180 quoting, exact floats") {
    const AttentionTrace tr = run_model(gpt2_tiny(), "a, \"quoted\" word");
    const std::string csv = head_csv(tr, 1, 2);
    const auto rows = parse_csv(csv);
    const size_t T = size_t(tr.n_token);
    REQUIRE(rows.size() == T + 1);
    CHECK(rows[0][0] == "query \\ key");
    for (size_t j = 0; j < T; ++j) CHECK(rows[0][j + 1] == tr.tokens.texts[j]);
    CHECK(csv.find("\",\"") != std::string::npos);        // the comma token, quoted
    CHECK(csv.find(",\" \"\"\",") != std::string::npos);  // the token ' "': quote doubled
    const std::span<const float> w = tr.weights_of(1, 2);
    for (size_t i = 0; i < T; ++i) {
        REQUIRE(rows[i + 1].size() == T + 1);
        CHECK(rows[i + 1][0] == tr.tokens.texts[i]);
        for (size_t j = 0; j < T; ++j) CHECK(std::stof(rows[i + 1][j + 1]) == w[i * T + j]);
    }
    CHECK_THROWS_AS(head_csv(tr, 2, 0), InputError);
    CHECK_THROWS_AS(head_csv(tr, 0, 4), InputError);

    const auto dir = test::temp_dir("csv");
    CHECK_THROWS_AS(save_trace(tr, dir / "h.csv", TraceFormat::Csv, 0, 9), InputError);
    CHECK(!std::filesystem::exists(dir / "h.csv"));  // no half file
    save_trace(tr, dir / "h.csv", TraceFormat::Csv, 1, 2);
    CHECK(test::read_file(dir / "h.csv") == csv);
}

TEST_CASE("trace JSON: the dump document, attention exact") {
    const AttentionTrace tr = run_model(bert_tiny(), "The cat sat.");
    const auto dir = test::temp_dir("json");
    save_trace(tr, dir / "t.json", TraceFormat::Json);
    const nlohmann::json j = nlohmann::json::parse(test::read_file(dir / "t.json"));
    CHECK(j["format"] == "attnscope-dump-v1");
    CHECK(j["n_token"] == tr.n_token);
    CHECK(j["tokens"].get<std::vector<std::string>>() == tr.tokens.tokens);
    CHECK(!j.contains("imported"));
    const size_t T = size_t(tr.n_token);
    for (int l = 0; l < tr.n_layer; ++l)
        for (int h = 0; h < tr.n_head; ++h)
            for (size_t i = 0; i < T; ++i)
                for (size_t k = 0; k < T; ++k)
                    REQUIRE(j["attention"][l][h][i][k].get<float>() ==
                            tr.weights_of(l, h)[i * T + k]);

    TraceFormat f;
    CHECK(trace_format_of_path("a/b.NPZ", &f));
    CHECK(f == TraceFormat::Npz);
    CHECK(!trace_format_of_path("a/b.txt", &f));
    CHECK(parse_trace_format("csv", &f));
    CHECK(f == TraceFormat::Csv);
}

TEST_CASE("SVG: one rect per heatmap cell, escaped labels, grid and head view structure") {
    const AttentionTrace tr = run_model(gpt2_tiny(), "if a < b && c > \"d\" then 'e'");
    DisplayOptions options;
    const DisplayTrace d = make_display_trace(tr, options);
    const int S = d.n_token;

    const std::string heat = svg_heatmap(d, 1, 2, SvgMatrix::Head, options);
    CHECK(heat.rfind("<?xml", 0) == 0);
    CHECK(count(heat, "<rect ") == size_t(S) * S);
    CHECK(count(heat, "<rect class=\"cell\"") == size_t(S) * S);
    // GPT-2 is causal: the cells above the diagonal are masked (striped).
    CHECK(count(heat, "url(#masked)") == size_t(S) * (S - 1) / 2);
    // The first cell has the colour the renderer gives weight 1 (query 0 sees only itself).
    const Rgb8 one = colormap_rgb(Colormap::Viridis, 1.0f);
    char first[8];
    std::snprintf(first, sizeof first, "#%02x%02x%02x", one.r, one.g, one.b);
    CHECK(heat.find(std::string("fill=\"") + first + "\"") != std::string::npos);
    CHECK(heat.find("&lt;") != std::string::npos);
    CHECK(heat.find("&amp;&amp;") != std::string::npos);
    CHECK(heat.find("&quot;") != std::string::npos);
    CHECK(heat.find(" < ") == std::string::npos);
    CHECK(count(heat, "<text") == size_t(2 * S + 5));  // rows, columns, title, 2 axes, range

    const std::string mean = svg_heatmap(d, 0, 0, SvgMatrix::HeadMinusMean, options);
    CHECK(count(mean, "<rect ") == size_t(S) * S);
    CHECK(mean.find("minus the layer mean") != std::string::npos);

    const std::string grid = svg_head_grid(d, options);
    CHECK(count(grid, "<rect ") == size_t(d.n_layer) * d.n_head * S * S);

    const std::vector<uint8_t> heads(size_t(d.n_head), 1);
    const std::vector<Link> links = strongest_links(d, 1, heads, -1, -1, 0.02f, 600);
    const std::string view = svg_head_view(d, 1, heads, -1, -1, 0.02f, 600);
    CHECK(count(view, "<line ") == links.size());
    CHECK(count(view, "<circle ") == size_t(d.n_head));  // the legend

    CHECK_THROWS_AS(svg_heatmap(d, 2, 0, SvgMatrix::Head, options), InputError);
    CHECK(xml_escape("a\x01<\xff") == "a\xef\xbf\xbd&lt;\xef\xbf\xbd");
}
