// `attnscope pull`: the files Model::load reads, from the Hub into the shared cache.
//
// [SECTION] Options from the environment
// [SECTION] Checksums
// [SECTION] Messages
// [SECTION] The pull: plan (HEAD requests), fetch (ranged GETs into blobs/), link, refs
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "attnscope/errors.h"
#include "attnscope/hub.h"
#include "hub_http.h"
#include "pickle_advice.h"

namespace attnscope {

namespace fs = std::filesystem;
using detail::HttpOutcome;
using detail::TransferFailure;

namespace {

// [SECTION] Options from the environment

const char* env_value(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

std::string read_token_file(const fs::path& path) {
    std::ifstream in(path);
    std::string token;
    if (in) std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    return token;
}

bool env_flag(const char* name) {
    const char* v = env_value(name);
    if (!v) return false;
    std::string s(v);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s == "1" || s == "true" || s == "yes" || s == "on";
}

// [SECTION] Checksums

// A file's bytes checked against the Hub's ETag: for LFS files (weights) the ETag is the sha256
// of the content; for files kept in git it is the git blob id, sha1("blob <size>\0" + content).
// Anything else (another server's ETag) cannot be checked.
class ContentCheck {
  public:
    enum class Kind { Sha256, GitSha1, None };

    ContentCheck(const std::string& etag, uint64_t size) : m_ctx(EVP_MD_CTX_new()) {
        auto all_hex = [&](size_t n) {
            return etag.size() == n && std::all_of(etag.begin(), etag.end(), [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                   });
        };
        m_kind = all_hex(64) ? Kind::Sha256 : all_hex(40) ? Kind::GitSha1 : Kind::None;
        m_size = size;
        restart();
    }
    ~ContentCheck() { EVP_MD_CTX_free(m_ctx); }
    ContentCheck(const ContentCheck&) = delete;
    ContentCheck& operator=(const ContentCheck&) = delete;

    Kind kind() const { return m_kind; }
    const char* name() const { return m_kind == Kind::Sha256 ? "sha256" : "git blob sha1"; }

    void restart() {
        if (m_kind == Kind::None) return;
        EVP_DigestInit_ex(m_ctx, m_kind == Kind::Sha256 ? EVP_sha256() : EVP_sha1(), nullptr);
        if (m_kind == Kind::GitSha1) {
            const std::string prefix = "blob " + std::to_string(m_size);
            EVP_DigestUpdate(m_ctx, prefix.data(), prefix.size() + 1);  // with the '\0'
        }
    }
    void update(const char* data, size_t n) {
        if (m_kind != Kind::None) EVP_DigestUpdate(m_ctx, data, n);
    }
    std::string hex_digest() {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(m_ctx, md, &n);
        static const char* hex = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < n; ++i) {
            out += hex[md[i] >> 4];
            out += hex[md[i] & 15];
        }
        return out;
    }

  private:
    EVP_MD_CTX* m_ctx;
    Kind m_kind = Kind::None;
    uint64_t m_size = 0;
};

// [SECTION] Messages

std::string format_size(uint64_t bytes) {
    char buf[32];
    if (bytes < 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f KB", double(bytes) / 1024.0);
    else if (bytes < uint64_t(1024) * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / (1024.0 * 1024.0));
    else
        std::snprintf(buf, sizeof buf, "%.2f GB", double(bytes) / (1024.0 * 1024.0 * 1024.0));
    return buf;
}

// What the server said beyond the status code, for messages.
std::string server_says(const detail::HttpResponse& r) {
    if (!r.error_message.empty()) return " (the server says: " + r.error_message + ")";
    return {};
}

bool is_safe_path_component(const std::string& s) {
    return !s.empty() && s != "." && s != ".." && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

// A file descriptor closed on scope exit; closing releases its flock.
class FileHandle {
  public:
    explicit FileHandle(int fd) : m_fd(fd) {}
    ~FileHandle() {
        if (m_fd >= 0) ::close(m_fd);
    }
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;
    int get() const { return m_fd; }

  private:
    int m_fd;
};

// [SECTION] The pull

// A file on the server, from a HEAD request.
struct RemoteFile {
    std::string name;  // path in the repository ("model.safetensors")
    std::string etag;  // blob name in the cache
    std::optional<uint64_t> size;
};

class Puller {
  public:
    Puller(const HubDownloadOptions& options, const DownloadCallback& callback)
        : m_options(options),
          m_callback(callback),
          m_http(options.token, [this] { return poll(); }) {
        m_endpoint = options.endpoint;
        while (!m_endpoint.empty() && m_endpoint.back() == '/') m_endpoint.pop_back();
        m_repo = options.cache_dir / hub_repo_folder(options.model_id);
        m_url_revision = options.revision;
    }

    PullResult run();

  private:
    std::optional<RemoteFile> probe(const std::string& file, bool required);
    void fetch(const RemoteFile& file);
    void link(const RemoteFile& file);
    void write_ref();
    std::vector<std::string> shards_of_index(const RemoteFile& index);
    void check_disk_space(const std::vector<RemoteFile>& files);
    std::string url(const std::string& file) const {
        return m_endpoint + "/" + m_options.model_id + "/resolve/" +
               detail::url_encode(m_url_revision, false) + "/" + detail::url_encode(file, true);
    }

    [[noreturn]] void throw_http_status(const HttpOutcome& out, const std::string& file);
    [[noreturn]] void throw_connection_failure(const HttpOutcome& out, const std::string& file,
                                               const std::string& partial_state);
    std::string cached_hint() const;
    std::string what() const {  // "gpt2" or "gpt2 (revision v1)" for messages
        return m_options.model_id +
               (m_options.revision == "main" ? "" : " (revision " + m_options.revision + ")");
    }
    std::string pull_again() const {
        return "attnscope pull " + m_options.model_id +
               (m_options.revision == "main" ? "" : " --revision " + m_options.revision);
    }

    bool poll();
    bool report(bool force);
    void make_dirs(const fs::path& dir);

    const HubDownloadOptions& m_options;
    const DownloadCallback& m_callback;
    detail::HttpClient m_http;
    std::string m_endpoint;
    fs::path m_repo;
    std::string m_url_revision;  // the commit once known, so every file comes from one commit
    std::string m_commit;
    PullResult m_result;
    DownloadProgress m_progress;
    std::chrono::steady_clock::time_point m_last_report{};
    bool m_cancelled = false;
    std::exception_ptr m_callback_error;
};

bool Puller::report(bool force) {
    if (m_cancelled) return false;  // stays cancelled, whatever the callback says later
    if (!m_callback) return true;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - m_last_report < std::chrono::milliseconds(50)) return true;
    m_last_report = now;
    try {
        if (!m_callback(m_progress)) m_cancelled = true;
    } catch (...) {  // never let an exception cross libcurl's C frames
        m_callback_error = std::current_exception();
        m_cancelled = true;
    }
    return !m_cancelled;
}

bool Puller::poll() {
    return report(false);
}

void Puller::make_dirs(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw HubError("cannot create the cache folder " + dir.string() + ": " + ec.message());
}

std::string Puller::cached_hint() const {
    try {
        const fs::path snap =
            find_cached_snapshot(m_options.cache_dir, m_options.model_id, m_options.revision);
        return " The cache already has " + what() + " (snapshot " + snap.filename().string() +
               "): `--model " + m_options.model_id + "` opens it without the network.";
    } catch (const LoadError&) {
        return {};
    }
}

void Puller::throw_http_status(const HttpOutcome& out, const std::string& file) {
    const detail::HttpResponse& r = out.response;
    const std::string& id = m_options.model_id;
    const std::string status = " (HTTP " + std::to_string(r.status) + ")";
    const bool have_token = !m_options.token.empty();
    const std::string page = m_endpoint + "/" + id;
    if (r.error_code == "GatedRepo" ||
        ((r.status == 401 || r.status == 403) && have_token && r.error_code != "RepoNotFound")) {
        if (have_token)
            throw HubError("access to " + id + " was refused" + status + server_says(r) +
                           ": HF_TOKEN is set, but its account has no access to this gated or "
                           "private model (or the token is invalid). Accept the model's terms "
                           "at " +
                           page + " with that account, or use another token");
        throw HubError(id + " is a gated model" + status + server_says(r) +
                       ": accept its terms at " + page +
                       ", then set HF_TOKEN to an access token of that account "
                       "(https://huggingface.co/settings/tokens) and run `" +
                       pull_again() + "` again");
    }
    if (r.status == 401 || r.status == 403) {
        if (r.error_code == "RepoNotFound")
            throw HubError("model " + id + " was not found on " + m_endpoint + status +
                           server_says(r) +
                           ": check the id (it is case-sensitive), or, if it is a private model, " +
                           (have_token ? "check that the account of HF_TOKEN can read it"
                                       : "set HF_TOKEN to an access token that can read it"));
        throw HubError("access to " + id + " was refused" + status + server_says(r) +
                       ": it is gated or private; set HF_TOKEN to a Hugging Face access token "
                       "(https://huggingface.co/settings/tokens) that can read it");
    }
    if (r.status == 404) {
        if (r.error_code == "RepoNotFound")
            throw HubError("model " + id + " was not found on " + m_endpoint + status +
                           server_says(r) +
                           ": check the id (it is case-sensitive, e.g. "
                           "openai-community/gpt2 or sentence-transformers/all-MiniLM-L6-v2)");
        if (r.error_code == "RevisionNotFound")
            throw HubError("revision '" + m_options.revision + "' was not found in model " + id +
                           status + server_says(r) + ": check the branch, tag or commit name");
        if (file == "config.json" && r.error_code.empty())
            throw HubError(url(file) + " was not found" + status + ": either there is no model " +
                           id + " on " + m_endpoint + " (check the id) or it has no config.json");
        throw HubError("model " + what() + " has no " + file + " on " + m_endpoint + status +
                       server_says(r) + " (" + url(file) + ")");
    }
    if (r.status == 429)
        throw HubError(m_endpoint + " is rate-limiting requests" + status +
                       ": wait a minute and run `" + pull_again() +
                       "` again (a token in HF_TOKEN raises the limit)");
    if (r.status >= 500)
        throw HubError(m_endpoint + " had a server error" + status + server_says(r) + " for " +
                       url(file) + "; try again later");
    throw HubError("unexpected answer" + status + server_says(r) + " for " + url(file));
}

void Puller::throw_connection_failure(const HttpOutcome& out, const std::string& file,
                                      const std::string& partial_state) {
    const std::string curl = " (" + out.curl_error + ")";
    switch (out.failure) {
        case TransferFailure::CannotResolve:
            throw HubError("cannot reach " + m_endpoint + ": its host name does not resolve" +
                           curl + ". Are you offline? (HF_ENDPOINT sets the server.)" +
                           cached_hint());
        case TransferFailure::CannotConnect:
            throw HubError("cannot connect to " + m_endpoint + curl +
                           ": connection refused or unreachable. Are you offline, or is "
                           "HF_ENDPOINT wrong?" +
                           cached_hint());
        case TransferFailure::Tls:
            throw HubError("secure connection to " + m_endpoint + " failed" + curl +
                           "; check the system clock and CA certificates (ca-certificates)");
        case TransferFailure::TimedOut:
            throw HubError(
                (file.empty() ? "the request to " + m_endpoint : "the download of " + file) +
                " timed out" + curl + partial_state + "; run `" + pull_again() + "` to " +
                (partial_state.empty() ? "try again" : "resume"));
        case TransferFailure::Dropped:
            throw HubError("the connection to " + m_endpoint + " dropped" +
                           (file.empty() ? std::string() : " while downloading " + file) + curl +
                           partial_state + "; run `" + pull_again() + "` to " +
                           (partial_state.empty() ? "try again" : "resume"));
        default:
            throw HubError("request to " + (file.empty() ? m_endpoint : url(file)) + " failed" +
                           curl);
    }
}

std::optional<RemoteFile> Puller::probe(const std::string& file, bool required) {
    m_progress.stage = DownloadProgress::Stage::Checking;
    m_progress.file = file;
    report(true);
    if (m_cancelled) throw DownloadCancelled("the pull of " + what() + " was cancelled");
    const HttpOutcome out = m_http.head(url(file));
    if (m_callback_error) std::rethrow_exception(m_callback_error);
    if (out.failure == TransferFailure::Cancelled)
        throw DownloadCancelled("the pull of " + what() + " was cancelled");
    if (out.failure != TransferFailure::None) throw_connection_failure(out, "", "");
    const detail::HttpResponse& r = out.response;
    // A 404 for a file (not for the model or the revision) only means this file is absent.
    if (r.status == 404 && !required && r.error_code != "RepoNotFound" &&
        r.error_code != "RevisionNotFound")
        return std::nullopt;
    if (r.status >= 400 || r.status < 200) throw_http_status(out, file);
    if (r.etag.empty())
        throw HubError(url(file) +
                       ": the server sent no ETag, so the file can be neither named "
                       "in the cache nor checked; is HF_ENDPOINT (" +
                       m_endpoint + ") a Hugging Face Hub?");
    if (!is_safe_path_component(r.etag))
        throw HubError(url(file) + ": the server's ETag '" + r.etag +
                       "' cannot name a file in the cache");
    if (m_commit.empty()) {
        // X-Repo-Commit pins the revision: every later file comes from this same commit.
        m_commit = r.commit.empty() ? m_options.revision : r.commit;
        if (!r.commit.empty()) m_url_revision = r.commit;
        if (!is_safe_path_component(m_commit) && m_commit != m_options.revision)
            throw HubError(url(file) + ": the server's commit id '" + m_commit +
                           "' cannot name a folder in the cache");
    }
    return RemoteFile{file, r.etag, r.size};
}

void Puller::fetch(const RemoteFile& file) {
    const fs::path blob = m_repo / "blobs" / file.etag;
    const fs::path partial = m_repo / "blobs" / (file.etag + ".incomplete");
    const int fd = ::open(partial.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw HubError("cannot create " + partial.string() + ": " + std::strerror(errno));
    FileHandle handle(fd);
    // The lock makes a second pull of the same file (another attnscope) wait its turn instead
    // of writing into the same partial file.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
        throw HubError("another download of " + file.name + " of " + m_options.model_id +
                       " is in progress (" + partial.string() +
                       " is locked); wait for it to finish and run `" + pull_again() + "` again");
    std::error_code ec;
    if (fs::exists(blob, ec)) {  // the other download finished meanwhile
        fs::remove(partial, ec);
        return;
    }
    struct stat st {};
    ::fstat(fd, &st);
    uint64_t have = uint64_t(st.st_size);
    const uint64_t expected = file.size.value_or(0);
    if (file.size && have > expected) {
        if (::ftruncate(fd, 0) != 0)
            throw HubError("cannot truncate " + partial.string() + ": " + std::strerror(errno));
        have = 0;
    }
    // Feeds the first `n` bytes of the partial file to a checksum.
    auto hash_from_disk = [&](ContentCheck& check, uint64_t n) {
        std::vector<char> buf(1 << 20);
        for (uint64_t at = 0; at < n;) {
            const ssize_t got =
                ::pread(fd, buf.data(), std::min<uint64_t>(buf.size(), n - at), off_t(at));
            if (got <= 0)
                throw HubError("cannot read " + partial.string() + ": " + std::strerror(errno));
            check.update(buf.data(), size_t(got));
            at += uint64_t(got);
        }
    };
    ContentCheck check(file.etag, expected);
    hash_from_disk(check, have);  // resuming: the bytes already on disk count too
    m_result.cached_bytes += have;
    uint64_t offset = have;
    const uint64_t done_before = m_progress.done;
    m_progress.stage = DownloadProgress::Stage::Downloading;
    m_progress.file = file.name;
    m_progress.file_done = have;
    m_progress.file_total = expected;
    m_progress.done = done_before + have;
    report(true);

    int write_errno = 0;
    bool first_chunk = true;
    const detail::BodySink sink = [&](const char* data, size_t n, long status) {
        const bool range_ignored = first_chunk && status == 200 && offset > 0;
        first_chunk = false;
        if (range_ignored) {  // the server sent the whole file: start over
            if (::ftruncate(fd, 0) != 0) {
                write_errno = errno;
                return false;
            }
            m_result.cached_bytes -= std::min(m_result.cached_bytes, offset);
            offset = 0;
            check.restart();
        }
        for (size_t written = 0; written < n;) {
            const ssize_t w = ::pwrite(fd, data + written, n - written, off_t(offset + written));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                write_errno = w < 0 ? errno : ENOSPC;
                return false;
            }
            written += size_t(w);
        }
        check.update(data, n);
        offset += n;
        m_result.downloaded_bytes += n;
        m_progress.file_done = offset;
        m_progress.done = done_before + offset;
        return true;
    };
    for (int attempt = 0; !file.size || offset < expected; ++attempt) {
        first_chunk = true;
        const HttpOutcome out = m_http.get(url(file.name), offset, sink);
        if (m_callback_error) std::rethrow_exception(m_callback_error);
        const std::string kept = offset > 0
                                     ? ". " + format_size(offset) +
                                           (file.size ? " of " + format_size(expected) : "") +
                                           " are kept in " + partial.string()
                                     : std::string();
        if (out.failure == TransferFailure::Cancelled)
            throw DownloadCancelled("the pull of " + what() + " was cancelled during " + file.name +
                                    kept + "; run `" + pull_again() + "` to resume");
        if (out.failure == TransferFailure::WriteFailed) {
            const fs::space_info space = fs::space(partial.parent_path(), ec);
            if (write_errno == ENOSPC || write_errno == EDQUOT)
                throw HubError("disk full: cannot write " + file.name + " to " + partial.string() +
                               " after " + format_size(offset) +
                               (file.size ? " of " + format_size(expected) : "") +
                               (ec ? "" : " (" + format_size(space.available) + " free)") +
                               "; free some space, or set HF_HUB_CACHE to a folder on a larger "
                               "disk, and run `" +
                               pull_again() + "` to resume");
            throw HubError("cannot write " + partial.string() + " after " + format_size(offset) +
                           ": " + std::strerror(write_errno ? write_errno : EIO));
        }
        if (out.failure != TransferFailure::None) throw_connection_failure(out, file.name, kept);
        if (out.response.status == 416 && attempt == 0) {  // our partial file is past the end
            if (::ftruncate(fd, 0) != 0)
                throw HubError("cannot truncate " + partial.string() + ": " + std::strerror(errno));
            m_result.cached_bytes -= std::min(m_result.cached_bytes, offset);
            offset = 0;
            check.restart();
            continue;
        }
        if (out.response.status < 200 || out.response.status >= 300)
            throw_http_status(out, file.name);
        if (!file.size) break;
        if (offset < expected)  // a clean end of a short body: treat it as a dropped connection
            throw HubError("the server ended " + file.name + " after " + format_size(offset) +
                           " of " + format_size(expected) + kept + "; run `" + pull_again() +
                           "` to resume");
    }
    if (file.size && offset != expected) {
        fs::remove(partial, ec);
        throw HubError(file.name + " of " + what() + ": received " + std::to_string(offset) +
                       " bytes, but the server announced " + std::to_string(expected) +
                       "; the partial file was deleted, run `" + pull_again() + "` again");
    }
    if (check.kind() == ContentCheck::Kind::None) {
        m_result.unverified.push_back(file.name);
    } else {
        std::string digest;
        if (check.kind() == ContentCheck::Kind::GitSha1 && !file.size) {
            // The git blob id hashes the size first, which is known only now.
            ContentCheck sized(file.etag, offset);
            hash_from_disk(sized, offset);
            digest = sized.hex_digest();
        } else {
            digest = check.hex_digest();
        }
        if (digest != file.etag) {
            fs::remove(partial, ec);
            throw HubError(file.name + " of " + what() +
                           " is corrupted: the downloaded bytes do not match the server's "
                           "checksum (" +
                           check.name() + " expected " + file.etag + ", got " + digest +
                           "). The damaged download was deleted; run `" + pull_again() +
                           "` to download it again");
        }
    }
    // The blob must be on disk before its name says it is complete.
    if (::fdatasync(fd) != 0)
        throw HubError("cannot write " + partial.string() + ": " + std::strerror(errno));
    fs::rename(partial, blob, ec);
    if (ec)
        throw HubError("cannot rename " + partial.string() + " to " + blob.string() + ": " +
                       ec.message());
}

// snapshots/<commit>/<file> -> ../../blobs/<etag>, made under a temporary name and renamed so the
// snapshot never shows a half-made entry.
void Puller::link(const RemoteFile& file) {
    const fs::path snapshot = m_repo / "snapshots" / m_commit;
    const fs::path path = snapshot / file.name;
    make_dirs(path.parent_path());
    fs::path target = fs::path("..") / "..";
    for (size_t i = 0; i < file.name.size(); ++i)
        if (file.name[i] == '/') target /= "..";
    target /= fs::path("blobs") / file.etag;
    const fs::path temp = path.string() + ".attnscope-link-" + std::to_string(::getpid());
    std::error_code ec;
    fs::remove(temp, ec);
    fs::create_symlink(target, temp, ec);
    if (!ec) fs::rename(temp, path, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw HubError("cannot link " + path.string() + " to " + target.string() + ": " +
                       ec.message());
    }
    m_result.files.push_back(file.name);
}

void Puller::write_ref() {
    // A commit hash names itself; huggingface_hub writes refs only for branch and tag names.
    if (m_commit == m_options.revision) return;
    const fs::path ref = m_repo / "refs" / m_options.revision;
    make_dirs(ref.parent_path());
    const fs::path temp = ref.string() + ".attnscope-" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << m_commit;
        if (!out.flush())
            throw HubError("cannot write " + temp.string() + ": " + std::strerror(errno));
    }
    std::error_code ec;
    fs::rename(temp, ref, ec);
    if (ec) throw HubError("cannot write " + ref.string() + ": " + ec.message());
}

std::vector<std::string> Puller::shards_of_index(const RemoteFile& index) {
    const fs::path path = m_repo / "blobs" / index.etag;
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
    const std::string where = index.name + " of " + what();
    if (j.is_discarded()) throw HubError(where + " is not valid JSON");
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
        throw HubError(where + ": expected an object with \"weight_map\": {tensor: shard file}");
    std::set<std::string> shards;
    for (const auto& [tensor, shard] : j["weight_map"].items()) {
        // The loader reads shards beside the index only; so do we.
        if (!shard.is_string() || !is_safe_path_component(shard.get<std::string>()))
            throw HubError(where + ": the shard of tensor '" + tensor +
                           "' is not a plain file name");
        shards.insert(shard.get<std::string>());
    }
    if (shards.empty()) throw HubError(where + ": weight_map is empty");
    return {shards.begin(), shards.end()};
}

void Puller::check_disk_space(const std::vector<RemoteFile>& files) {
    uint64_t needed = 0;
    std::error_code ec;
    for (const RemoteFile& f : files) {
        if (!f.size || fs::exists(m_repo / "blobs" / f.etag, ec)) continue;
        const auto have = fs::file_size(m_repo / "blobs" / (f.etag + ".incomplete"), ec);
        needed += *f.size - std::min<uint64_t>(*f.size, ec ? 0 : have);
    }
    const fs::space_info space = fs::space(m_repo / "blobs", ec);
    if (!ec && space.available < needed)
        throw HubError("not enough disk space for " + what() + ": it needs " + format_size(needed) +
                       " more, but " + (m_repo / "blobs").string() + " has " +
                       format_size(space.available) +
                       " free; free some space or set HF_HUB_CACHE to a folder on a larger disk");
}

PullResult Puller::run() {
    const std::string& id = m_options.model_id;
    if (!is_hub_model_id(id))
        throw HubError("'" + id +
                       "' is not a Hugging Face model id (expected name or org/name, "
                       "e.g. gpt2 or sentence-transformers/all-MiniLM-L6-v2)");
    if (!is_valid_revision(m_options.revision))
        throw HubError("'" + m_options.revision + "' is not a valid revision name");
    if (m_options.cache_dir.empty())
        throw HubError("no Hugging Face cache folder: set HF_HUB_CACHE, HF_HOME or HOME");
    if (m_options.offline)
        throw HubError(
            "HF_HUB_OFFLINE is set, so attnscope does not use the network; unset it "
            "to pull " +
            id + "." + cached_hint());
    for (char c : m_options.token)
        if (c == '\r' || c == '\n' || c == '\0')
            throw HubError("HF_TOKEN contains a line break; set it to the token alone");
    make_dirs(m_repo / "blobs");
    make_dirs(m_repo / "snapshots");
    make_dirs(m_repo / "refs");

    // Plan: ask for every file first, so nothing is downloaded for a model that cannot load.
    const RemoteFile config = *probe("config.json", true);
    std::vector<RemoteFile> files;
    // Tokenizer files in the loader's order of preference (tokenizer_load.cpp).
    if (auto t = probe("tokenizer.json", false)) {
        files.push_back(*t);
    } else {
        auto vocab = probe("vocab.json", false), merges = probe("merges.txt", false);
        if (vocab && merges) {
            files.push_back(*vocab);
            files.push_back(*merges);
        } else if (auto wordpiece = probe("vocab.txt", false)) {
            files.push_back(*wordpiece);
        } else {
            throw HubError("model " + what() +
                           " has no tokenizer attnscope can read: looked for tokenizer.json, "
                           "vocab.json + merges.txt and vocab.txt");
        }
    }
    for (const char* optional : {"tokenizer_config.json", "special_tokens_map.json"})
        if (auto f = probe(optional, false)) files.push_back(*f);
    // Weights: like the loader, a single file wins over an index.
    if (auto single = probe("model.safetensors", false)) {
        files.push_back(*single);
    } else if (auto index = probe("model.safetensors.index.json", false)) {
        fetch(*index);
        link(*index);
        for (const std::string& shard : shards_of_index(*index))
            files.push_back(*probe(shard, true));
    } else {
        std::optional<RemoteFile> pickle = probe("pytorch_model.bin", false);
        if (!pickle) pickle = probe("pytorch_model.bin.index.json", false);
        if (pickle)
            throw HubError("model " + what() + " has only PyTorch pickle weights (" + pickle->name +
                           ") and no model.safetensors. " +
                           detail::pickle_refusal_advice(id, "models/" + id));
        throw HubError("model " + what() +
                       " has no weights attnscope can read: looked for model.safetensors and "
                       "model.safetensors.index.json on " +
                       m_endpoint);
    }
    files.push_back(config);  // last: a snapshot without config.json is not taken for a model

    std::error_code ec;
    std::vector<const RemoteFile*> to_fetch;
    m_progress = {};
    for (const RemoteFile& f : files) {
        if (fs::exists(m_repo / "blobs" / f.etag, ec)) {
            m_result.cached_bytes += f.size.value_or(0);
        } else {
            to_fetch.push_back(&f);
            m_progress.total += f.size.value_or(0);
        }
    }
    check_disk_space(files);
    m_progress.n_files = int(to_fetch.size());
    for (const RemoteFile& f : files) {
        if (std::find(to_fetch.begin(), to_fetch.end(), &f) != to_fetch.end()) {
            ++m_progress.file_index;
            fetch(f);
        }
        link(f);
    }
    write_ref();
    m_result.snapshot_dir = m_repo / "snapshots" / m_commit;
    m_result.commit = m_commit;
    m_progress.stage = DownloadProgress::Stage::Done;
    m_progress.file.clear();
    report(true);
    return m_result;
}

}  // namespace

HubDownloadOptions hub_options_from_environment(std::string model_id, std::string revision) {
    HubDownloadOptions o;
    o.model_id = std::move(model_id);
    o.revision = std::move(revision);
    if (const char* e = env_value("HF_ENDPOINT")) o.endpoint = e;
    if (const char* t = env_value("HF_TOKEN")) {
        o.token = t;
    } else if (const char* t_old = env_value("HUGGING_FACE_HUB_TOKEN")) {
        o.token = t_old;
    } else {
        fs::path token_file;
        if (const char* p = env_value("HF_TOKEN_PATH"))
            token_file = p;
        else if (const char* home = env_value("HF_HOME"))
            token_file = fs::path(home) / "token";
        else if (const char* xdg = env_value("XDG_CACHE_HOME"))
            token_file = fs::path(xdg) / "huggingface" / "token";
        else if (const char* user_home = env_value("HOME"))
            token_file = fs::path(user_home) / ".cache" / "huggingface" / "token";
        if (!token_file.empty()) o.token = read_token_file(token_file);
    }
    o.offline = env_flag("HF_HUB_OFFLINE");
    o.cache_dir = hub_cache_dir();
    return o;
}

PullResult pull_model(const HubDownloadOptions& options, const DownloadCallback& progress) {
    Puller puller(options, progress);
    return puller.run();
}

}  // namespace attnscope
