// The Hugging Face cache: its location, model ids, resolving an id to a snapshot (in a cache
// layout the tests make), and the failures of pull_model that need no server. Downloads
// themselves are tested end to end against a local server in tests/cli/test_pull.py.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <optional>

#include "attnscope/errors.h"
#include "attnscope/hub.h"
#include "test_util.h"

using namespace attnscope;
namespace fs = std::filesystem;
using test::expect_load_error;

namespace {

// Sets environment variables for one test and puts the old values back afterwards.
class EnvGuard {
  public:
    EnvGuard(std::initializer_list<std::pair<const char*, const char*>> values) {
        for (const auto& [name, value] : values) {
            const char* old = std::getenv(name);
            m_saved.emplace(name, old ? std::optional<std::string>(old) : std::nullopt);
            if (value)
                ::setenv(name, value, 1);
            else
                ::unsetenv(name);
        }
    }
    ~EnvGuard() {
        for (const auto& [name, value] : m_saved) {
            if (value)
                ::setenv(name.c_str(), value->c_str(), 1);
            else
                ::unsetenv(name.c_str());
        }
    }

  private:
    std::map<std::string, std::optional<std::string>> m_saved;
};

constexpr const char* k_commit = "0123456789abcdef0123456789abcdef01234567";

// <cache>/models--org--tiny with refs/main -> k_commit and snapshots/k_commit/config.json.
fs::path make_cached_model(const fs::path& cache, const std::string& folder = "models--org--tiny") {
    const fs::path repo = cache / folder;
    fs::create_directories(repo / "refs");
    fs::create_directories(repo / "snapshots" / k_commit);
    test::write_file(repo / "refs" / "main", k_commit);
    test::write_file(repo / "snapshots" / k_commit / "config.json", "{}");
    return repo / "snapshots" / k_commit;
}

// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

template <typename F>
std::string expect_hub_error(F&& f, std::initializer_list<const char*> words) {
    return test::expect_error<HubError>("HubError", std::forward<F>(f), words);
}

}  // namespace

TEST_CASE("hub: the cache folder follows huggingface_hub's variables in its order") {
    EnvGuard env{{"HF_HUB_CACHE", nullptr},
                 {"HUGGINGFACE_HUB_CACHE", nullptr},
                 {"HF_HOME", nullptr},
                 {"XDG_CACHE_HOME", nullptr},
                 {"HOME", "/home/someone"}};
    CHECK(hub_cache_dir() == fs::path("/home/someone/.cache/huggingface/hub"));
    {
        EnvGuard xdg{{"XDG_CACHE_HOME", "/xdg"}};
        CHECK(hub_cache_dir() == fs::path("/xdg/huggingface/hub"));
        EnvGuard home{{"HF_HOME", "~/hf"}};  // "~" is expanded, as huggingface_hub does
        CHECK(hub_cache_dir() == fs::path("/home/someone/hf/hub"));
        EnvGuard cache{{"HF_HUB_CACHE", "/big/disk/hub"}};
        CHECK(hub_cache_dir() == fs::path("/big/disk/hub"));
    }
    EnvGuard nothing{{"HOME", nullptr}};
    CHECK(hub_cache_dir().empty());
}

TEST_CASE("hub: model ids and their cache folder names") {
    for (const char* id : {"gpt2", "bert-base-uncased", "sentence-transformers/all-MiniLM-L6-v2",
                           "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "org/name_v2"})
        CHECK_MESSAGE(is_hub_model_id(id), id);
    for (const char* id : {"", "/abs/path", "./gpt2", "gpt2/", "a/b/c", "a--b", "a..b", "-gpt2",
                           "gpt2.", "org/.hidden", "name.git", "with space", "models/../x"})
        CHECK_MESSAGE(!is_hub_model_id(id), "'" << id << "' should not be an id");
    CHECK(!is_hub_model_id(std::string(97, 'a')));

    CHECK(hub_repo_folder("gpt2") == "models--gpt2");
    CHECK(hub_repo_folder("org/name") == "models--org--name");
    CHECK(model_id_from_hub_folder("models--org--name") == "org/name");
    CHECK(model_id_from_hub_folder("models--gpt2") == "gpt2");
    CHECK(model_id_from_hub_folder("datasets--org--name").empty());
    CHECK(model_id_from_hub_folder("models--").empty());

    CHECK(is_valid_revision("main"));
    CHECK(is_valid_revision("refs/pr/1"));
    CHECK(is_valid_revision(k_commit));
    for (const char* r : {"", "../x", "/main", "main/", "a b", "a\\b", "a//b"})
        CHECK_MESSAGE(!is_valid_revision(r), "'" << r << "' should not be a revision");
}

TEST_CASE("hub: an id resolves to the snapshot refs/<revision> names") {
    const fs::path cache = test::temp_dir("hub-cache");
    const fs::path snapshot = make_cached_model(cache);

    CHECK(find_cached_snapshot(cache, "org/tiny") == snapshot);
    CHECK(find_cached_snapshot(cache, "org/tiny", k_commit) == snapshot);  // a commit names itself

    SUBCASE("a branch with a slash is a nested ref, as huggingface_hub writes it") {
        fs::create_directories(cache / "models--org--tiny" / "refs" / "refs" / "pr");
        test::write_file(cache / "models--org--tiny" / "refs" / "refs" / "pr" / "1", k_commit);
        CHECK(find_cached_snapshot(cache, "org/tiny", "refs/pr/1") == snapshot);
    }
    SUBCASE("a server without commit ids leaves snapshots/<revision>") {
        fs::create_directories(cache / "models--org--tiny" / "snapshots" / "v1");
        CHECK(find_cached_snapshot(cache, "org/tiny", "v1") ==
              cache / "models--org--tiny" / "snapshots" / "v1");
    }
    SUBCASE("a model that is not in the cache") {
        expect_load_error([&] { find_cached_snapshot(cache, "org/other"); },
                          {"org/other is not a folder", cache.string().c_str(),
                           "models--org--other", "attnscope pull org/other"});
        expect_load_error([&] { find_cached_snapshot(cache, "org/other", "v2"); },
                          {"attnscope pull org/other --revision v2"});
    }
    SUBCASE("a revision that was never downloaded lists the ones that were") {
        expect_load_error([&] { find_cached_snapshot(cache, "org/tiny", "v2"); },
                          {"revision 'v2' was never downloaded", "cached revisions: main",
                           "attnscope pull org/tiny --revision v2"});
    }
    SUBCASE("refs naming a snapshot that is gone") {
        fs::remove_all(snapshot);
        expect_load_error([&] { find_cached_snapshot(cache, "org/tiny"); },
                          {"refs", k_commit, "is missing", "attnscope pull org/tiny"});
    }
    SUBCASE("refs holding something that is not a commit id") {
        test::write_file(cache / "models--org--tiny" / "refs" / "main", "../../..");
        expect_load_error([&] { find_cached_snapshot(cache, "org/tiny"); },
                          {"expected a commit hash"});
    }
    SUBCASE("bad ids and revisions are refused before touching the disk") {
        expect_load_error([&] { find_cached_snapshot(cache, "../etc"); }, {"not a Hugging Face"});
        expect_load_error([&] { find_cached_snapshot(cache, "org/tiny", "../../x"); },
                          {"not a valid revision"});
    }
    fs::remove_all(cache);
}

TEST_CASE("hub: --model takes a folder first, then an id from the cache") {
    const fs::path root = test::temp_dir("hub-resolve");
    const fs::path cache = root / "cache";
    const fs::path snapshot = make_cached_model(cache);
    EnvGuard env{{"HF_HUB_CACHE", cache.c_str()}};

    CHECK(resolve_model_location("org/tiny") == snapshot);
    CHECK(resolve_model_location(snapshot.string()) == snapshot);  // a path stays a path
    expect_load_error([&] { resolve_model_location("/no/such/model/folder"); },
                      {"model folder not found: /no/such/model/folder"});
    expect_load_error(
        [&] { resolve_model_location("org/absent"); },
        {"org/absent is not a folder", cache.string().c_str(), "attnscope pull org/absent"});

    SUBCASE("an existing relative folder wins over a cached model of the same name") {
        const fs::path here = fs::current_path();
        fs::create_directories(root / "cwd" / "org" / "tiny");
        fs::current_path(root / "cwd");
        const fs::path resolved = resolve_model_location("org/tiny");
        fs::current_path(here);
        CHECK(resolved == fs::path("org/tiny"));
    }
    SUBCASE("no cache location at all") {
        EnvGuard none{{"HF_HUB_CACHE", nullptr},
                      {"HUGGINGFACE_HUB_CACHE", nullptr},
                      {"HF_HOME", nullptr},
                      {"XDG_CACHE_HOME", nullptr},
                      {"HOME", nullptr}};
        expect_load_error([&] { resolve_model_location("org/tiny"); }, {"no Hugging Face cache"});
    }
    fs::remove_all(root);
}

TEST_CASE("hub: a cached snapshot is named by its model id") {
    CHECK(model_display_name("/c/hub/models--org--tiny/snapshots/" + std::string(k_commit)) ==
          "org/tiny");
    CHECK(model_display_name("/c/hub/models--gpt2/snapshots/abc/") == "gpt2");
    CHECK(model_display_name("/models/test--gpt2-tiny-random") == "test--gpt2-tiny-random");
    CHECK(model_display_name("/models/gpt2/") == "gpt2");
    CHECK(model_display_name("/x/snapshots/abc") == "abc");  // not a cache: the folder name
}

TEST_CASE("hub: options come from HF_ENDPOINT, HF_TOKEN or the login token file") {
    const fs::path home = test::temp_dir("hub-home");
    EnvGuard env{{"HF_ENDPOINT", "http://mirror.example:8080"},
                 {"HF_TOKEN", nullptr},
                 {"HUGGING_FACE_HUB_TOKEN", nullptr},
                 {"HF_TOKEN_PATH", nullptr},
                 {"HF_HUB_OFFLINE", nullptr},
                 {"HF_HUB_CACHE", nullptr},
                 {"HF_HOME", home.c_str()}};
    HubDownloadOptions o = hub_options_from_environment("gpt2", "v1");
    CHECK(o.model_id == "gpt2");
    CHECK(o.revision == "v1");
    CHECK(o.endpoint == "http://mirror.example:8080");
    CHECK(o.token.empty());
    CHECK(o.cache_dir == home / "hub");
    CHECK(!o.offline);

    test::write_file(home / "token", "hf_from_file\n");
    CHECK(hub_options_from_environment("gpt2").token == "hf_from_file");
    EnvGuard token{{"HF_TOKEN", "hf_from_env"}, {"HF_HUB_OFFLINE", "1"}};
    o = hub_options_from_environment("gpt2");
    CHECK(o.token == "hf_from_env");
    CHECK(o.offline);
    {
        EnvGuard no_endpoint{{"HF_ENDPOINT", nullptr}};
        CHECK(hub_options_from_environment("gpt2").endpoint == "https://huggingface.co");
    }
    fs::remove_all(home);
}

TEST_CASE("hub: pull_model fails clearly before and without a server") {
    const fs::path cache = test::temp_dir("hub-pull");
    HubDownloadOptions o;
    o.model_id = "org/tiny";
    o.cache_dir = cache;
    o.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());

    SUBCASE("a bad id or revision") {
        HubDownloadOptions bad = o;
        bad.model_id = "../../etc";
        expect_hub_error([&] { pull_model(bad); }, {"not a Hugging Face model id"});
        bad = o;
        bad.revision = "../main";
        expect_hub_error([&] { pull_model(bad); }, {"not a valid revision"});
        CHECK(!fs::exists(cache / "models--org--tiny"));
    }
    SUBCASE("offline mode, and the cached copy it can use instead") {
        make_cached_model(cache);
        o.offline = true;
        expect_hub_error([&] { pull_model(o); },
                         {"HF_HUB_OFFLINE", "The cache already has org/tiny", "--model org/tiny"});
    }
    SUBCASE("connection refused") {
        expect_hub_error([&] { pull_model(o); }, {"cannot connect", o.endpoint.c_str(), "offline"});
    }
    SUBCASE("a token with a line break would forge headers") {
        o.token = "abc\r\nX-Evil: 1";
        expect_hub_error([&] { pull_model(o); }, {"HF_TOKEN contains a line break"});
    }
    SUBCASE("the callback cancels before any request") {
        int calls = 0;
        CHECK_THROWS_AS(pull_model(o,
                                   [&](const DownloadProgress& p) {
                                       ++calls;
                                       CHECK(p.stage == DownloadProgress::Stage::Checking);
                                       return false;
                                   }),
                        DownloadCancelled);
        CHECK(calls == 1);
    }
    fs::remove_all(cache);
}
