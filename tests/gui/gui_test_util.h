// Helpers for the app's logic tests: hand-made traces, a scriptable fake backend, and a loop that
// pumps a Session until a condition holds.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "analyst.h"
#include "attnscope/errors.h"
#include "backend.h"
#include "session.h"
#include "test_util.h"

namespace attnscope::test {

// A causal trace with one token per word of `text` (plus a special <s>), L x H heads; each row
// spreads its weight evenly over the keys it may see.
inline AttentionTrace make_word_trace(const std::string& text, int n_layer = 2, int n_head = 2) {
    std::vector<std::string> words{"<s>"};
    std::istringstream in(text);
    for (std::string w; in >> w;) words.push_back(w);
    AttentionTrace t;
    t.model_name = "fake";
    t.causal = true;
    t.n_layer = n_layer;
    t.n_head = n_head;
    t.n_kv_head = n_head;
    const int T = int(words.size());
    t.n_token = T;
    t.text = text;
    for (int i = 0; i < T; ++i) {
        t.tokens.ids.push_back(i);
        t.tokens.tokens.push_back(words[size_t(i)]);
        t.tokens.texts.push_back(i == 0 ? "" : (i == 1 ? "" : " ") + words[size_t(i)]);
        t.tokens.special.push_back(i == 0 ? 1 : 0);
        t.tokens.spans.push_back({i == 0 ? -1 : 0, 0, 0});
        t.tokens.type_ids.push_back(0);
    }
    set_uniform_causal_attention(t);
    return t;
}

// A backend whose runs can be held back: a text listed in `held` waits until released.
class FakeBackend final : public app::Backend {
  public:
    struct Shared {
        std::mutex mutex;
        std::condition_variable cv;
        std::set<std::string> held;    // texts whose runs wait
        int runs = 0;                  // runs started
        std::vector<std::string> ran;  // texts, in the order runs started
        // For each run, in the same order: the text of the trace offered for reuse ("" if none)
        // and the model that made it.
        std::vector<std::string> previous_text;
        std::vector<std::string> previous_model;
    };

    explicit FakeBackend(std::shared_ptr<Shared> shared) : m_shared(std::move(shared)) {}

    app::LoadedModel load(const app::ModelSource& source,
                          const app::ProgressFn& progress) override {
        if (source.dir.string().find("broken") != std::string::npos)
            throw LoadError("loading " + source.dir.string() + "/model.safetensors: bad header");
        if (progress) progress(1.0f);
        app::LoadedModel m;
        m.source = source;
        m.name = source.dir.filename().string();
        m.arch = "fake";
        m.n_layer = source.dir.filename() == "big" ? 3 : 2;
        m.n_head = 2;
        m.n_kv_head = 2;
        m.causal = true;
        m.default_text = "hello world";
        return m;
    }

    AttentionTrace run(const app::LoadedModel& model, const app::RunRequest& request,
                       const AttentionTrace* previous) override {
        {
            std::unique_lock lock(m_shared->mutex);
            ++m_shared->runs;
            m_shared->ran.push_back(request.text);
            m_shared->previous_text.push_back(previous ? previous->text : "");
            m_shared->previous_model.push_back(previous ? previous->model_name : "");
            m_shared->cv.wait(lock, [&] { return !m_shared->held.count(request.text); });
        }
        if (model.name.find("norun") != std::string::npos)
            throw Error("model " + model.name + " cannot run this input");
        if (request.text.find('\xff') != std::string::npos)
            throw InputError("the text is not valid UTF-8 (byte 0)");
        if (request.text.size() > 60 && !request.truncate) throw TooLongError(61, 60);
        AttentionTrace t = make_word_trace(request.text, model.n_layer, model.n_head);
        t.model_name = model.name;
        return t;
    }

    static void release(Shared& s, const std::string& text) {
        {
            std::lock_guard lock(s.mutex);
            s.held.erase(text);
        }
        s.cv.notify_all();
    }

  private:
    std::shared_ptr<Shared> m_shared;
};

// Polls `done` every millisecond until it holds (real time, `limit` at most). Returns done().
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < limit) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return done();
}

// Calls session.update(now) until `done` holds (real time, 5 s at most). Returns done().
inline bool pump(app::Session& session, const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    return wait_until(
        [&] {
            session.update(std::chrono::steady_clock::now());
            return done();
        },
        limit);
}

// Calls analyst.update() until `done` holds (real time, 5 s at most). Returns done().
inline bool pump(app::Analyst& analyst, const std::function<bool()>& done) {
    return wait_until([&] {
        analyst.update();
        return done();
    });
}

}  // namespace attnscope::test
