// The app's Hub download job (download_job.h) with a scripted pull function, one real pull that
// cannot connect, and the model catalog's view of the Hugging Face cache.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "attnscope/errors.h"
#include "download_job.h"
#include "gui_test_util.h"
#include "model_catalog.h"
#include "test_util.h"

using namespace attnscope;
using namespace attnscope::app;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_SUITE_BEGIN("gui");
namespace {

// A pull that reports progress until the test releases it (or the job cancels it).
struct ScriptedPull {
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    std::thread::id thread;
    int calls = 0;

    PullResult operator()(const HubDownloadOptions& o, const DownloadCallback& progress) {
        {
            std::lock_guard lock(mutex);
            thread = std::this_thread::get_id();
            ++calls;
        }
        DownloadProgress p;
        p.stage = DownloadProgress::Stage::Downloading;
        p.file = "model.safetensors";
        p.file_index = 1;
        p.n_files = 1;
        p.total = 1000;
        for (;;) {
            p.done = std::min<uint64_t>(p.done + 10, 990);
            if (!progress(p))
                throw DownloadCancelled("the pull of " + o.model_id + " was cancelled");
            std::unique_lock lock(mutex);
            if (cv.wait_for(lock, 1ms, [&] { return release; })) break;
        }
        PullResult r;
        r.snapshot_dir = o.cache_dir / "models--org--tiny" / "snapshots" / "abc";
        r.commit = "abc";
        return r;
    }
    void finish() {
        std::lock_guard lock(mutex);
        release = true;
        cv.notify_all();
    }
};

HubDownloadOptions options(const std::string& id) {
    HubDownloadOptions o;
    o.model_id = id;
    o.cache_dir = "/tmp/attnscope-test-cache";
    return o;
}

}  // namespace

TEST_CASE("download job: runs off the UI thread, shows progress, hands over the result once") {
    ScriptedPull pull;
    std::atomic<int> wakes{0};
    DownloadJob job([&] { ++wakes; }, [&](const HubDownloadOptions& o,
                                          const DownloadCallback& cb) { return pull(o, cb); });
    CHECK(!job.status().active);
    REQUIRE(job.start(options("org/tiny")));
    CHECK(!job.start(options("org/other")));  // one download at a time
    REQUIRE(test::wait_until([&] { return job.status().progress.done > 0; }));
    const DownloadJob::Status mid = job.status();
    CHECK(mid.active);
    CHECK(mid.model_id == "org/tiny");
    CHECK(mid.progress.file == "model.safetensors");
    CHECK(download_status_line(mid).find("Downloading org/tiny: model.safetensors (1/1)") == 0);
    CHECK(!job.take_outcome());  // still running
    CHECK(pull.thread != std::this_thread::get_id());
    CHECK(wakes > 0);  // progress wakes the event loop

    pull.finish();
    std::optional<DownloadJob::Outcome> done;
    REQUIRE(test::wait_until([&] { return (done = job.take_outcome()).has_value(); }));
    REQUIRE(done->result);
    CHECK(done->result->snapshot_dir.filename() == "abc");
    CHECK(!done->error);
    CHECK(!done->cancelled);
    CHECK(!job.take_outcome());  // only once
    CHECK(!job.status().active);
    CHECK(job.start(options("org/next")));  // a new download may start now
    pull.finish();
}

TEST_CASE("download job: cancel stops the pull without an error") {
    ScriptedPull pull;
    DownloadJob job(
        {}, [&](const HubDownloadOptions& o, const DownloadCallback& cb) { return pull(o, cb); });
    REQUIRE(job.start(options("org/tiny")));
    REQUIRE(test::wait_until([&] { return job.status().progress.done > 0; }));
    job.cancel();
    CHECK(download_status_line(job.status()).find("Cancelling") == 0);
    std::optional<DownloadJob::Outcome> done;
    REQUIRE(test::wait_until([&] { return (done = job.take_outcome()).has_value(); }));
    CHECK(done->cancelled);
    CHECK(!done->error);
    CHECK(!done->result);
}

TEST_CASE("download job: a failure becomes an error panel naming the model") {
    DownloadJob job({}, [](const HubDownloadOptions& o, const DownloadCallback&) -> PullResult {
        throw HubError(o.model_id + " is a gated model (HTTP 401): set HF_TOKEN");
    });
    REQUIRE(job.start(options("org/gated")));
    std::optional<DownloadJob::Outcome> done;
    REQUIRE(test::wait_until([&] { return (done = job.take_outcome()).has_value(); }));
    REQUIRE(done->error);
    CHECK(done->error->title == "Could not download org/gated");
    CHECK(done->error->detail.find("set HF_TOKEN") != std::string::npos);
    CHECK(done->error->kind == ErrorKind::Load);
    CHECK(!done->cancelled);
}

TEST_CASE("download job: leaving the app cancels a running download") {
    ScriptedPull pull;
    {
        DownloadJob job({}, [&](const HubDownloadOptions& o, const DownloadCallback& cb) {
            return pull(o, cb);
        });
        REQUIRE(job.start(options("org/tiny")));
        REQUIRE(test::wait_until([&] { return job.status().progress.done > 0; }));
    }  // the destructor must stop the pull (it never finishes by itself) and join
    CHECK(pull.calls == 1);
}

TEST_CASE("download job: the real pull_model reports a refused connection") {
    const fs::path cache = test::temp_dir("download-job");
    HubDownloadOptions o = options("org/tiny");
    o.cache_dir = cache;
    o.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
    DownloadJob job;
    REQUIRE(job.start(o));
    std::optional<DownloadJob::Outcome> done;
    REQUIRE(test::wait_until([&] { return (done = job.take_outcome()).has_value(); }));
    REQUIRE(done->error);
    CHECK(done->error->detail.find("cannot connect to http://127.0.0.1:1") != std::string::npos);
    fs::remove_all(cache);
}

TEST_CASE("model catalog: cached Hub models are listed by id, half-pulled ones are not") {
    const fs::path cache = test::temp_dir("catalog-hub");
    const std::string commit = "0123456789abcdef0123456789abcdef01234567";
    auto make_snapshot = [&](const std::string& folder, bool with_config) {
        const fs::path snap = cache / folder / "snapshots" / commit;
        fs::create_directories(snap);
        fs::create_directories(cache / folder / "refs");
        test::write_file(cache / folder / "refs" / "main", commit);
        if (with_config)
            test::write_file(snap / "config.json",
                             R"({"model_type": "gpt2", "n_layer": 2, "n_head": 4})");
        test::write_file(snap / "model.safetensors", "");
        return snap;
    };
    const fs::path tiny = make_snapshot("models--org--tiny", true);
    make_snapshot("models--org--partial", false);  // a pull that stopped before config.json

    const std::vector<ModelEntry> entries = find_models({{cache, "Hugging Face cache", true}});
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].name == "org/tiny");
    CHECK(entries[0].hub_id == "org/tiny");
    CHECK(entries[0].dir == tiny);
    CHECK(entries[0].n_layer == 2);
    CHECK(find_hub_entry(entries, "org/tiny") == &entries[0]);
    CHECK(find_hub_entry(entries, "org/partial") == nullptr);
    fs::remove_all(cache);
}

TEST_CASE("model catalog: the known-good Hub models are valid ids") {
    REQUIRE(known_hub_models().size() == 7);
    for (const KnownHubModel& k : known_hub_models()) {
        CHECK_MESSAGE(is_hub_model_id(k.id), k.id);
        CHECK(std::string(k.description).find("layers") != std::string::npos);
    }
    CHECK(std::string(known_hub_models().front().id) == "gpt2");
}

TEST_SUITE_END();
