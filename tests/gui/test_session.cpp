// The session's interaction logic with a fake backend: debounce, latest-wins, stale results,
// errors that keep what the user had, options recomputed off the UI thread.
#include <doctest/doctest.h>

#include "gui_test_util.h"

using namespace attnscope;
using namespace attnscope::app;
using namespace std::chrono_literals;
using attnscope::test::FakeBackend;
using attnscope::test::pump;

TEST_SUITE_BEGIN("gui");
namespace {

struct Fixture {
    std::shared_ptr<FakeBackend::Shared> shared = std::make_shared<FakeBackend::Shared>();
    Session session{std::make_unique<FakeBackend>(shared), SessionConfig{50ms}};

    // Loads the fake model and waits for the first trace (its default sentence).
    void start() {
        session.open_model({"models/tiny", ""});
        REQUIRE(pump(session, [&] { return session.state().trace && session.idle(); }));
    }
    void run_text(const std::string& text) {
        session.state().input.text = text;
        session.run_now();
    }
    void hold(const std::string& text) {
        std::lock_guard lock(shared->mutex);
        shared->held.insert(text);
    }
    void release(const std::string& text) { FakeBackend::release(*shared, text); }
    bool started(int runs) {
        std::lock_guard lock(shared->mutex);
        return shared->runs >= runs;
    }
};

}  // namespace

TEST_CASE("session: a loaded model runs its default sentence") {
    Fixture f;
    f.start();
    const AppState& st = f.session.state();
    REQUIRE(st.model);
    CHECK(st.model->name == "tiny");
    CHECK(st.input.text == "hello world");
    CHECK(st.trace->text == "hello world");
    REQUIRE(st.display);
    CHECK(st.display->n_token == 3);
    CHECK_FALSE(st.loading.active);
    CHECK_FALSE(st.error);
}

TEST_CASE("session: typing is debounced into one run per pause") {
    Fixture f;
    f.start();
    CHECK(f.session.stats().runs_submitted == 1);
    RunRequest& in = f.session.state().input;
    const auto t0 = Clock::now();
    in.text += " a";
    f.session.text_edited(t0);
    f.session.update(t0 + 10ms);
    in.text += "b";
    f.session.text_edited(t0 + 10ms);
    f.session.update(t0 + 30ms);
    in.text += "c";
    f.session.text_edited(t0 + 30ms);
    f.session.update(t0 + 79ms);  // 49 ms after the last key: still waiting
    CHECK(f.session.stats().runs_submitted == 1);
    CHECK_FALSE(f.session.idle());
    CHECK(f.session.state().running);
    f.session.update(t0 + 80ms);  // the pause is long enough
    CHECK(f.session.stats().runs_submitted == 2);
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK(f.session.state().trace->text == "hello world abc");
    CHECK(f.session.stats().runs_shown == 2);
}

TEST_CASE("session: a queued run is replaced by a newer one (latest wins)") {
    Fixture f;
    f.start();
    f.hold("A");
    f.run_text("A");
    REQUIRE(pump(f.session, [&] { return f.started(2); }));
    f.run_text("B");  // queued behind A
    f.run_text("C");  // replaces B in the queue
    f.session.update(Clock::now());
    CHECK(f.session.state().trace->text == "hello world");  // nothing newer finished yet
    CHECK(f.session.state().running);
    f.release("A");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK(f.session.state().trace->text == "C");
    std::lock_guard lock(f.shared->mutex);
    CHECK(f.shared->ran == std::vector<std::string>{"hello world", "A", "C"});
}

TEST_CASE("session: a result made with a replaced model is never shown") {
    Fixture f;
    f.start();
    f.hold("slow");
    f.run_text("slow");
    REQUIRE(pump(f.session, [&] { return f.started(2); }));
    // A new model loads while the old model's run is still going; it re-runs the same text.
    f.session.open_model({"models/big", ""});
    REQUIRE(pump(f.session, [&] { return f.session.state().model->name == "big"; }));
    f.release("slow");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    const AppState& st = f.session.state();
    CHECK(f.session.stats().stale_dropped == 1);
    CHECK(st.trace->model_name == "big");
    CHECK(st.display->n_layer == 3);
}

TEST_CASE("session: a failed run keeps the trace and selection until a good run clears it") {
    Fixture f;
    f.start();
    AppState& st = f.session.state();
    st.selection.token = 2;
    const auto before = st.trace;
    f.run_text("bad \xff text");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    REQUIRE(st.error);
    CHECK(st.error->kind == ErrorKind::Input);
    CHECK(st.error->detail.find("UTF-8") != std::string::npos);
    CHECK(st.trace == before);  // the previous trace stays visible
    CHECK(st.selection.token == 2);
    f.run_text("good text again");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK_FALSE(st.error);
    CHECK(st.trace->text == "good text again");
}

TEST_CASE("session: a too-long text offers truncation") {
    Fixture f;
    f.start();
    AppState& st = f.session.state();
    f.run_text(std::string(70, 'x'));
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    REQUIRE(st.error);
    CHECK(st.error->kind == ErrorKind::TooLong);
    CHECK(st.trace->text == "hello world");
    st.input.truncate = true;
    f.session.run_now();
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK_FALSE(st.error);
    CHECK(st.trace->text == std::string(70, 'x'));
}

TEST_CASE("session: a model that fails to load leaves the current one in place") {
    Fixture f;
    f.start();
    f.session.open_model({"models/broken", ""});
    CHECK(f.session.state().loading.active);
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    const AppState& st = f.session.state();
    REQUIRE(st.error);
    CHECK(st.error->kind == ErrorKind::Load);
    CHECK(st.error->title == "Could not load the model");
    CHECK(st.error->detail.find("bad header") != std::string::npos);
    CHECK(st.model->name == "tiny");
    CHECK(st.trace->text == "hello world");
    CHECK_FALSE(st.loading.active);
}

TEST_CASE("session: options that change the view model are recomputed and never mixed up") {
    Fixture f;
    f.start();
    DisplayOptions o = f.session.state().options;
    o.hide_special = true;
    f.session.set_options(o);
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK(f.session.state().display->hide_special);
    CHECK(f.session.state().display->n_token == 2);

    // Options change while a run is in flight: the run's view model used the old options.
    f.hold("one two three");
    f.run_text("one two three");
    REQUIRE(pump(f.session, [&] { return f.started(2); }));
    o.hide_special = false;
    o.one_based = true;
    f.session.set_options(o);
    f.release("one two three");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    const AppState& st = f.session.state();
    CHECK(st.trace->text == "one two three");
    CHECK_FALSE(st.display->hide_special);
    CHECK(st.display->one_based);
    CHECK(st.display->n_token == st.trace->n_token);
    CHECK(st.display->layer_labels.front() == "1");
}

TEST_CASE("session: colour-only options do not recompute the view model") {
    Fixture f;
    f.start();
    const auto display = f.session.state().display;
    DisplayOptions o = f.session.state().options;
    o.colormap = Colormap::Magma;
    o.scale = ValueScale::HeadMax;
    f.session.set_options(o);
    CHECK(f.session.idle());
    CHECK(f.session.stats().display_jobs == 0);
    CHECK(f.session.state().display == display);
}

TEST_CASE("session: the selection stays valid when a shorter trace arrives") {
    Fixture f;
    f.start();
    AppState& st = f.session.state();
    f.run_text("a b c d e f");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    st.selection.token = 6;
    st.selection.layer = 1;
    f.run_text("a");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK(st.selection.token == 1);
    CHECK(st.selection.layer == 1);
}

TEST_CASE("session: an empty text does not run and keeps the last trace") {
    Fixture f;
    f.start();
    f.run_text("");
    f.session.update(Clock::now());
    CHECK(f.session.idle());
    CHECK(f.session.state().trace->text == "hello world");
    CHECK_FALSE(f.session.state().error);
}

TEST_CASE("session: a run is offered the trace on screen, only if the same model made it") {
    Fixture f;
    f.start();  // the first run has nothing to start from
    auto previous = [&](size_t run) {
        std::lock_guard lock(f.shared->mutex);
        REQUIRE(f.shared->previous_text.size() > run);
        return std::pair(f.shared->previous_text[run], f.shared->previous_model[run]);
    };
    CHECK(previous(0) == std::pair<std::string, std::string>("", ""));
    f.run_text("hello world and");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK(previous(1) == std::pair<std::string, std::string>("hello world", "tiny"));

    // A truncated input is run in full.
    f.session.state().input.truncate = true;
    f.run_text("hello world and more");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK(previous(2).first.empty());
    f.session.state().input.truncate = false;

    // After a model change the old model's trace (still on screen) is not offered.
    f.session.open_model({"models/big", ""});
    REQUIRE(pump(f.session, [&] {
        return f.session.state().trace->model_name == "big" && f.session.idle();
    }));
    CHECK(previous(3).first.empty());
    // ... and the new model's own trace is, from then on.
    f.run_text("hello world and more words");
    REQUIRE(pump(f.session, [&] { return f.session.idle(); }));
    CHECK(previous(4) == std::pair<std::string, std::string>("hello world and more", "big"));
}

TEST_SUITE_END();

TEST_CASE("session: kept trace memory goes back to the system after a quiet while") {
    auto shared = std::make_shared<FakeBackend::Shared>();
    Session session{std::make_unique<FakeBackend>(shared), SessionConfig{50ms, 5s}};
    session.open_model({"models/tiny", ""});
    REQUIRE(pump(session, [&] { return session.state().trace && session.idle(); }));
    detail::release_cached_trace_memory();
    { FloatBuffer big(size_t(4) << 20); }  // 16 MiB: a block the engine keeps for the next run
    REQUIRE(detail::cached_trace_bytes() > 0);

    const Clock::time_point t = Clock::now();
    session.update(t);
    CHECK(detail::cached_trace_bytes() > 0);  // just idle: the next keystroke may want it
    session.update(t + 6s);
    CHECK(detail::cached_trace_bytes() == 0);  // quiet for longer than release_memory_after

    // A new run starts the wait again.
    session.state().input.text = "hello again";
    session.run_now();
    REQUIRE(pump(session,
                 [&] { return session.state().trace->text == "hello again" && session.idle(); }));
    { FloatBuffer big(size_t(4) << 20); }
    session.update(Clock::now());
    CHECK(detail::cached_trace_bytes() > 0);
    detail::release_cached_trace_memory();
}
