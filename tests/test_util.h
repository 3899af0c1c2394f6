// Shared test helpers (core and gui tests): where the models and fixtures are, models loaded once,
// hand-made traces, expected errors and tolerant comparison.
#pragma once

#include <doctest/doctest.h>

#include "attnscope/errors.h"
#include "attnscope/model.h"
#include "attnscope/trace.h"

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <string>

namespace attnscope::test {

// The sentence most model tests run.
inline constexpr const char* k_animal =
    "The animal didn't cross the street because it was too tired.";

// The models folder from ATTNSCOPE_MODELS. Fails the test loudly when unset or missing.
inline std::filesystem::path models_dir() {
    const char* env = std::getenv("ATTNSCOPE_MODELS");
    REQUIRE_MESSAGE(env != nullptr, "ATTNSCOPE_MODELS is not set: point it at the models folder");
    std::filesystem::path dir(env);
    REQUIRE_MESSAGE(std::filesystem::is_directory(dir),
                    "ATTNSCOPE_MODELS is not a folder: " << dir);
    return dir;
}

inline std::filesystem::path model_dir(const std::string& name) {
    auto dir = models_dir() / name;
    REQUIRE_MESSAGE(std::filesystem::is_directory(dir), "model folder missing: " << dir);
    return dir;
}

// The golden fixtures folder from ATTNSCOPE_FIXTURES (set by CMake), else beside the models.
inline std::filesystem::path fixtures_dir() {
    if (const char* env = std::getenv("ATTNSCOPE_FIXTURES");
        env && std::filesystem::is_directory(env))
        return env;
    auto dir = models_dir().parent_path() / "fixtures";
    REQUIRE_MESSAGE(std::filesystem::is_directory(dir), "fixtures folder missing: " << dir);
    return dir;
}

// Small files the tests make themselves go under a fresh temporary folder.
inline std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("attnscope-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs `f`, which must throw an E (named `name` in the messages), and checks that the message
// contains every word. Returns the message for further checks.
template <typename E, typename F>
std::string expect_error(const char* name, F&& f, std::initializer_list<const char*> words) {
    std::string message;
    try {
        f();
        FAIL_CHECK("expected a " << name << ", but nothing was thrown");
        return {};
    } catch (const E& e) {
        message = e.what();
    } catch (const std::exception& e) {
        FAIL_CHECK("expected a " << name << ", got another exception: " << e.what());
        return {};
    }
    for (const char* word : words)
        CHECK_MESSAGE(message.find(word) != std::string::npos,
                      "'" << word << "' is not in the message: " << message);
    return message;
}

// expect_error for the loaders' LoadError.
template <typename F>
std::string expect_load_error(F&& f, std::initializer_list<const char*> words) {
    return expect_error<attnscope::LoadError>("LoadError", std::forward<F>(f), words);
}

// The model in models_dir()/name, loaded once per test program and shared by every test.
inline const Model& cached_model(const std::string& name) {
    static std::map<std::string, std::unique_ptr<Model>> cache;
    auto& slot = cache[name];
    if (!slot) slot = std::make_unique<Model>(Model::load(model_dir(name)));
    return *slot;
}

inline const Model& gpt2_tiny() {
    return cached_model("test--gpt2-tiny-random");
}
inline const Model& bert_tiny() {
    return cached_model("test--bert-tiny-random");
}

// Gives every head of `t` (n_layer x n_head heads of n_token tokens) the causal mask and rows that
// spread their weight evenly over the keys they may see: row i puts 1/(i+1) on keys 0..i.
inline void set_uniform_causal_attention(AttentionTrace& t) {
    const size_t T = size_t(t.n_token);
    t.mask.assign(T * T, 0);
    t.weights.assign(size_t(t.n_layer) * size_t(t.n_head) * T * T, 0.0f);
    for (size_t i = 0; i < T; ++i)
        for (size_t j = 0; j <= i; ++j) t.mask[i * T + j] = 1;
    for (size_t lh = 0; lh < size_t(t.n_layer) * size_t(t.n_head); ++lh)
        for (size_t i = 0; i < T; ++i)
            for (size_t j = 0; j <= i; ++j) t.weights[(lh * T + i) * T + j] = 1.0f / float(i + 1);
}

// Checks that each row of the n x n matrix `m` sums to 1 within `tol`.
inline void check_rows_sum_to_one(std::span<const float> m, int n, double tol,
                                  const std::string& what) {
    double worst = 0;
    for (int i = 0; i < n; ++i) {
        double sum = 0;
        for (int j = 0; j < n; ++j) sum += m[size_t(i) * n + j];
        worst = std::max(worst, std::fabs(sum - 1));
    }
    CHECK_MESSAGE(worst <= tol, what << ": a row sums to 1 ± " << worst);
}

struct CloseResult {
    bool ok = true;
    double max_diff = 0;
    size_t worst = 0;
};

// Compares two buffers: |a-b| <= tol everywhere; -inf (or <= -1e30) must match -inf.
inline CloseResult compare_close(std::span<const float> a, std::span<const float> b, double tol) {
    CloseResult r;
    if (a.size() != b.size()) return {false, INFINITY, 0};
    for (size_t i = 0; i < a.size(); ++i) {
        bool ma = a[i] <= -1e30f, mb = b[i] <= -1e30f;
        double d =
            (ma || mb) ? (ma == mb ? 0.0 : INFINITY) : std::fabs(double(a[i]) - double(b[i]));
        if (!(d <= r.max_diff)) {
            r.max_diff = d;
            r.worst = i;
        }
    }
    r.ok = r.max_diff <= tol;
    return r;
}

#define CHECK_CLOSE(what, a, b, tol)                                                               \
    do {                                                                                           \
        auto _r = ::attnscope::test::compare_close((a), (b), (tol));                               \
        CHECK_MESSAGE(_r.ok, what << ": max |diff| " << _r.max_diff << " at index " << _r.worst    \
                                  << " (tolerance " << (tol) << ", sizes " << (a).size() << " vs " \
                                  << (b).size() << ")");                                           \
    } while (0)

}  // namespace attnscope::test
