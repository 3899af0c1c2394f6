// trace.value_out_norm = ‖v_j · W_O^h‖, checked by brute force against the output-projection
// weights read straight from each model's safetensors file (independent of the engine's loaders,
// which transpose nn.Linear weights and keep GPT-2's Conv1D weights as they are).

#include <cmath>

#include "attnscope/engine.h"
#include "attnscope/safetensors.h"
#include "test_util.h"

using namespace attnscope;

namespace {

struct OutProj {
    const char* model;
    const char* tensor;  // layer 0's output projection; "{}" is replaced by the layer number
    bool stored_in_out;  // GPT-2 Conv1D stores [in][out]; nn.Linear stores [out][in]
};

const OutProj kModels[] = {
    {"test--gpt2-tiny-random", "h.{}.attn.c_proj.weight", true},
    {"test--bert-tiny-random", "bert.encoder.layer.{}.attention.output.dense.weight", false},
    {"test--roberta-tiny-random", "roberta.encoder.layer.{}.attention.output.dense.weight", false},
    {"test--distilbert-tiny-random", "distilbert.transformer.layer.{}.attention.out_lin.weight",
     false},
    {"karpathy--tinyllamas--stories260K", "model.layers.{}.self_attn.o_proj.weight", false},
};

std::string with_layer(std::string pattern, int layer) {
    return pattern.replace(pattern.find("{}"), 2, std::to_string(layer));
}

}  // namespace

TEST_CASE("value_out_norm equals ||v_j W_O^h|| computed by hand from the file's weights") {
    for (const OutProj& m : kModels) {
        const std::string name = m.model;
        CAPTURE(name);
        const auto dir = test::model_dir(m.model);
        const Model model = Model::load(dir);
        const AttentionTrace tr = run_model(model, "The animal didn't cross the street.");
        const int L = tr.n_layer, H = tr.n_head, T = tr.n_token, D = tr.d_head, C = tr.d_model;
        REQUIRE(tr.value_out_norm.size() == size_t(L) * H * T);
        SafetensorsFile file(dir / "model.safetensors");
        double max_diff = 0;
        for (int l = 0; l < L; ++l) {
            const TensorInfo* info = file.find(with_layer(m.tensor, l));
            REQUIRE(info != nullptr);
            const std::vector<float> w = file.to_f32(*info);
            REQUIRE(w.size() == size_t(H) * D * C);
            // W_O as a function of (input feature, output feature), whatever the storage.
            auto w_o = [&](int in, int out) {
                return m.stored_in_out ? w[size_t(in) * C + out] : w[size_t(out) * H * D + in];
            };
            for (int h = 0; h < H; ++h) {
                const auto v = tr.v_of(l, h);  // [T][D] of the KV head h reads
                const auto got = tr.value_out_norm_of(l, h);
                for (int j = 0; j < T; ++j) {
                    double sq = 0;
                    for (int c = 0; c < C; ++c) {
                        double y = 0;
                        for (int d = 0; d < D; ++d)
                            y += double(v[size_t(j) * D + d]) * w_o(h * D + d, c);
                        sq += y * y;
                    }
                    max_diff = std::max(
                        max_diff, std::fabs(std::sqrt(sq) - got[j]) / std::max(1.0, std::sqrt(sq)));
                }
            }
        }
        CHECK(max_diff < 1e-5);
        MESSAGE(name << ": max relative difference " << max_diff);
    }
}
