// Micro-benchmark of the causal attention step of the engine (core/src/ops.cpp, attention()),
// to back the performance proposals in bench/README-cli.md with numbers. A development tool: it
// is not part of the build. Build and run (Release flags as in CMakeLists.txt):
//
//   g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -fopenmp -I/usr/include/eigen3 \
//       bench/attention_microbench.cpp -o /tmp/attention_microbench
//   OMP_NUM_THREADS=1 /tmp/attention_microbench 1024 12
//
// It times, for one layer's H heads at T tokens (D = 64, GPT-2 small), the whole recorded
// attention step (scores, mask, softmax, weights·V, every buffer written) three ways:
//   eigen_triangular  the engine's causal branch as of this writing: triangularView<>
//                     assignments (Eigen walks a row-major triangle column by column);
//   row_blocks        the proposal: products on row blocks of the lower triangle only
//                     (a "staircase"), masking and softmax one contiguous row at a time;
//   full_rowwise      full T×T products, then a contiguous row-wise mask + softmax.
// and, separately, the cost of getting L·H·T² floats of fresh zeroed memory (what the trace
// allocation does per run) with and without MADV_HUGEPAGE.
//
// T = n_token, D = d_head, H = heads.
#include <sys/mman.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrixXf>;
using ConstMatrixMap = Eigen::Map<const RowMatrixXf>;

namespace {

constexpr float k_neg_inf = -std::numeric_limits<float>::infinity();

// ops.cpp's softmax_rows for one row.
void softmax_row(float* row, int n) {
    Eigen::Map<Eigen::ArrayXf> r(row, n);
    const float max = r.maxCoeff();
    r = (r - max).exp();
    r *= 1.0f / r.sum();
}

struct Head {
    const float* q;  // [T][D]
    const float* k;  // [T][D]
    const float* v;  // [T][D]
    float* scores;   // [T][T]
    float* weights;  // [T][T]
    float* out;      // [T][D]
};

// The causal branch of ops.cpp attention() at the time of measuring.
void eigen_triangular(const Head& hd, int T, int D) {
    const float scale = 1.0f / std::sqrt(float(D));
    ConstMatrixMap q(hd.q, T, D), k(hd.k, T, D), v(hd.v, T, D);
    MatrixMap scores(hd.scores, T, T), weights(hd.weights, T, T), out(hd.out, T, D);
    scores.triangularView<Eigen::StrictlyUpper>().setConstant(k_neg_inf);
    scores.triangularView<Eigen::Lower>() = (q * k.transpose()) * scale;
    weights.triangularView<Eigen::StrictlyUpper>().setZero();
    for (int i = 0; i < T; ++i) {
        std::copy_n(scores.data() + size_t(i) * T, i + 1, weights.data() + size_t(i) * T);
        softmax_row(weights.data() + size_t(i) * T, i + 1);
    }
    out.noalias() = weights.triangularView<Eigen::Lower>() * v;
}

// Row blocks of `block` queries: block b needs keys 0..end-1 only, so both products cover the
// lower triangle plus a block-sized sliver (about half the flops of the full products), and
// every write walks memory in row order.
void row_blocks(const Head& hd, int T, int D, int block) {
    const float scale = 1.0f / std::sqrt(float(D));
    ConstMatrixMap q(hd.q, T, D), k(hd.k, T, D), v(hd.v, T, D);
    MatrixMap scores(hd.scores, T, T), weights(hd.weights, T, T), out(hd.out, T, D);
    for (int i0 = 0; i0 < T; i0 += block) {
        const int rows = std::min(block, T - i0), end = i0 + rows;
        scores.block(i0, 0, rows, end).noalias() =
            (q.middleRows(i0, rows) * k.topRows(end).transpose()) * scale;
        for (int i = i0; i < end; ++i) {
            float* s = scores.data() + size_t(i) * T;
            float* w = weights.data() + size_t(i) * T;
            std::fill(s + i + 1, s + T, k_neg_inf);
            std::copy_n(s, i + 1, w);
            softmax_row(w, i + 1);
            std::fill(w + i + 1, w + T, 0.0f);
        }
        out.middleRows(i0, rows).noalias() = weights.block(i0, 0, rows, end) * v.topRows(end);
    }
}

void full_rowwise(const Head& hd, int T, int D) {
    const float scale = 1.0f / std::sqrt(float(D));
    ConstMatrixMap q(hd.q, T, D), k(hd.k, T, D), v(hd.v, T, D);
    MatrixMap scores(hd.scores, T, T), weights(hd.weights, T, T), out(hd.out, T, D);
    scores.noalias() = (q * k.transpose()) * scale;
    for (int i = 0; i < T; ++i) {
        float* s = scores.data() + size_t(i) * T;
        float* w = weights.data() + size_t(i) * T;
        std::fill(s + i + 1, s + T, k_neg_inf);
        std::copy_n(s, i + 1, w);
        softmax_row(w, i + 1);
        std::fill(w + i + 1, w + T, 0.0f);
    }
    out.noalias() = weights * v;
}

double now_ms() {
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Fresh zeroed memory of n floats, touched once, as the trace allocation does per run.
double fresh_memory_ms(size_t n, bool huge) {
    const size_t bytes = n * sizeof(float);
    const double start = now_ms();
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -1;
    if (huge) madvise(p, bytes, MADV_HUGEPAGE);
    std::memset(p, 0, bytes);
    const double ms = now_ms() - start;
    munmap(p, bytes);
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    const int T = argc > 1 ? std::atoi(argv[1]) : 1024;
    const int H = argc > 2 ? std::atoi(argv[2]) : 12;
    const int L = argc > 3 ? std::atoi(argv[3]) : 12;
    const int D = 64, repeat = 3;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> q(size_t(H) * T * D), k(q.size()), v(q.size()), out(q.size());
    for (auto* buf : {&q, &k, &v})
        for (float& x : *buf) x = normal(rng);
    std::vector<float> scores(size_t(H) * T * T), weights(scores.size());

    auto run = [&](const char* name, auto&& fn) {
        double best = 1e30;
        for (int r = 0; r < repeat; ++r) {
            const double start = now_ms();
#pragma omp parallel for schedule(dynamic)
            for (int h = 0; h < H; ++h)
                fn(Head{&q[size_t(h) * T * D], &k[size_t(h) * T * D], &v[size_t(h) * T * D],
                        &scores[size_t(h) * T * T], &weights[size_t(h) * T * T],
                        &out[size_t(h) * T * D]});
            best = std::min(best, now_ms() - start);
        }
        std::printf("%-18s T=%d H=%d: %8.2f ms per layer, x%d layers = %8.1f ms\n", name, T, H,
                    best, L, best * L);
        return std::vector<float>(weights);
    };
    const auto ref = run("eigen_triangular", [&](const Head& hd) { eigen_triangular(hd, T, D); });
    const auto blk = run("row_blocks(64)", [&](const Head& hd) { row_blocks(hd, T, D, 64); });
    run("row_blocks(128)", [&](const Head& hd) { row_blocks(hd, T, D, 128); });
    const auto full = run("full_rowwise", [&](const Head& hd) { full_rowwise(hd, T, D); });
    float diff = 0;
    for (size_t i = 0; i < ref.size(); ++i)
        diff = std::max({diff, std::fabs(ref[i] - blk[i]), std::fabs(ref[i] - full[i])});
    std::printf("max |weights difference| between variants: %g\n", double(diff));

    const size_t n = size_t(L) * H * T * T;
    std::printf(
        "fresh zeroed memory for %zu MB (L*H*T*T floats): 4 KiB pages %.1f ms, "
        "MADV_HUGEPAGE %.1f ms\n",
        n * 4 >> 20, fresh_memory_ms(n, false), fresh_memory_ms(n, true));
    return 0;
}
