#include "hub_http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <map>
#include <mutex>
#include <vector>

namespace attnscope::detail {

namespace {

constexpr int k_max_relative_redirects = 5;
constexpr size_t k_body_excerpt_max = 2048;

// curl_global_init is not thread-safe in every libcurl build; do it once, first.
void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// With CURLOPT_NOSIGNAL (needed on worker threads) libcurl leaves SIGPIPE alone, and a TLS write
// to a connection the server closed would kill the process. Blocking it on this thread for the
// transfer, then discarding one that arrived, keeps the rest of the process untouched.
class SigpipeBlock {
  public:
    SigpipeBlock() {
        sigemptyset(&m_pipe);
        sigaddset(&m_pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &m_pipe, &m_old);
    }
    ~SigpipeBlock() {
        if (sigismember(&m_old, SIGPIPE)) return;  // it was blocked before: leave it so
        const timespec no_wait{0, 0};
        while (sigtimedwait(&m_pipe, nullptr, &no_wait) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  private:
    sigset_t m_pipe{}, m_old{};
};

std::string lowercase(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return std::string(s);
}

std::optional<uint64_t> parse_u64(const std::string& s) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// huggingface_hub's _normalize_etag: a weak validator's W/ prefix and the quotes go.
std::string normalize_etag(std::string etag) {
    if (etag.starts_with("W/")) etag.erase(0, 2);
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
        etag = etag.substr(1, etag.size() - 2);
    return etag;
}

// The headers of one response in a chain.
struct RawResponse {
    long status = 0;
    std::map<std::string, std::string> headers;  // lower-case names; the first value wins
    std::string get(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

// One HttpResponse from a redirect chain. The Hub's own response (the one with X-Repo-Commit)
// describes the file; a CDN's response after a redirect has an ETag of its own that is not the
// content hash, so for LFS files X-Linked-Etag (on the Hub's redirect) wins.
HttpResponse merge_headers(const std::vector<RawResponse>& chain) {
    HttpResponse out;
    if (chain.empty()) return out;
    std::string linked_etag, hub_etag;
    for (const RawResponse& r : chain) {
        const std::string commit = r.get("x-repo-commit");
        if (out.commit.empty() && !commit.empty()) {
            out.commit = commit;
            hub_etag = r.get("etag");
        }
        if (linked_etag.empty()) linked_etag = r.get("x-linked-etag");
        if (!out.size) out.size = parse_u64(r.get("x-linked-size"));
    }
    const RawResponse& last = chain.back();
    out.status = last.status;
    out.etag = normalize_etag(!linked_etag.empty() ? linked_etag
                              : !hub_etag.empty()  ? hub_etag
                                                   : last.get("etag"));
    if (!out.size && last.status == 200) out.size = parse_u64(last.get("content-length"));
    out.location = last.get("location");
    out.error_code = last.get("x-error-code");
    out.error_message = last.get("x-error-message");
    return out;
}

TransferFailure classify(CURLcode code) {
    switch (code) {
        case CURLE_OK:
            return TransferFailure::None;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return TransferFailure::CannotResolve;
        case CURLE_COULDNT_CONNECT:
            return TransferFailure::CannotConnect;
        case CURLE_OPERATION_TIMEDOUT:
            return TransferFailure::TimedOut;
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_HTTP3:
        case CURLE_BAD_CONTENT_ENCODING:
            return TransferFailure::Dropped;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
            return TransferFailure::Tls;
        case CURLE_ABORTED_BY_CALLBACK:
            return TransferFailure::Cancelled;
        case CURLE_WRITE_ERROR:
            return TransferFailure::WriteFailed;
        default:
            return TransferFailure::Other;
    }
}

}  // namespace

std::string url_origin(const std::string& url) {
    const size_t scheme = url.find("://");
    if (scheme == std::string::npos) return {};
    const size_t path = url.find('/', scheme + 3);
    return path == std::string::npos ? url : url.substr(0, path);
}

std::string url_encode(const std::string& text, bool keep_slash) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                                c == '~' || (keep_slash && c == '/');
        if (unreserved) {
            out += char(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

struct HttpClient::Impl {
    CURL* curl = nullptr;
    curl_slist* headers = nullptr;
    PollFn poll;
    char error_buffer[CURL_ERROR_SIZE] = {};

    // Per request.
    std::vector<RawResponse> chain;
    const BodySink* sink = nullptr;
    std::string body_excerpt;

    static size_t on_header(char* data, size_t size, size_t n, void* user) {
        auto* self = static_cast<Impl*>(user);
        const std::string_view line(data, size * n);
        if (line.starts_with("HTTP/")) {
            RawResponse r;
            const size_t sp = line.find(' ');
            if (sp != std::string_view::npos) {
                const std::string code = trim(line.substr(sp + 1, 3));
                r.status = long(parse_u64(code).value_or(0));
            }
            self->chain.push_back(std::move(r));
        } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
            if (self->chain.empty()) self->chain.emplace_back();
            self->chain.back().headers.emplace(lowercase(std::string(line.substr(0, colon))),
                                               trim(line.substr(colon + 1)));
        }
        return size * n;
    }

    static size_t on_body(char* data, size_t size, size_t n, void* user) {
        auto* self = static_cast<Impl*>(user);
        long status = 0;
        curl_easy_getinfo(self->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status >= 300 || !self->sink) {
            const size_t room =
                k_body_excerpt_max - std::min(k_body_excerpt_max, self->body_excerpt.size());
            self->body_excerpt.append(data, std::min(room, size * n));
            return size * n;
        }
        return (*self->sink)(data, size * n, status) ? size * n : 0;
    }

    static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
        auto* self = static_cast<Impl*>(user);
        return self->poll && !self->poll() ? 1 : 0;
    }

    void prepare(const std::string& url) {
        curl_easy_reset(curl);  // keeps the connection cache
        chain.clear();
        body_excerpt.clear();
        error_buffer[0] = 0;
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "attnscope/0.1 (libcurl)");
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
        // A stalled transfer (no byte for a minute) fails instead of hanging; it can resume.
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Impl::on_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Impl::on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Impl::on_progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    }

    HttpOutcome finish(CURLcode code) {
        HttpOutcome out;
        out.response = merge_headers(chain);
        out.response.body_excerpt = body_excerpt;
        out.failure = classify(code);
        if (code != CURLE_OK)
            out.curl_error = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
        return out;
    }
};

HttpClient::HttpClient(std::string token, PollFn poll) : m_impl(std::make_unique<Impl>()) {
    init_curl_once();
    m_impl->curl = curl_easy_init();
    assert(m_impl->curl && "curl_easy_init failed (out of memory)");
    m_impl->poll = std::move(poll);
    if (!token.empty())
        m_impl->headers =
            curl_slist_append(m_impl->headers, ("Authorization: Bearer " + token).c_str());
}

HttpClient::~HttpClient() {
    curl_slist_free_all(m_impl->headers);
    curl_easy_cleanup(m_impl->curl);
}

HttpOutcome HttpClient::head(const std::string& url) {
    std::string current = url;
    std::vector<RawResponse> chain;
    for (int hop = 0;; ++hop) {
        m_impl->prepare(current);
        m_impl->sink = nullptr;
        curl_easy_setopt(m_impl->curl, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(m_impl->curl, CURLOPT_TIMEOUT, 60L);
        SigpipeBlock no_sigpipe;
        const CURLcode code = curl_easy_perform(m_impl->curl);
        chain.insert(chain.end(), m_impl->chain.begin(), m_impl->chain.end());
        m_impl->chain = chain;
        HttpOutcome out = m_impl->finish(code);
        const long s = out.response.status;
        const std::string& location = out.response.location;
        const bool relative_redirect =
            s >= 300 && s < 400 && location.starts_with("/") && !location.starts_with("//");
        if (code != CURLE_OK || !relative_redirect || hop == k_max_relative_redirects) return out;
        current = url_origin(current) + location;
    }
}

HttpOutcome HttpClient::get(const std::string& url, uint64_t from, const BodySink& sink) {
    m_impl->prepare(url);
    m_impl->sink = &sink;
    curl_easy_setopt(m_impl->curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(m_impl->curl, CURLOPT_MAXREDIRS, 10L);
    const std::string range = std::to_string(from) + "-";
    if (from > 0) curl_easy_setopt(m_impl->curl, CURLOPT_RANGE, range.c_str());
    SigpipeBlock no_sigpipe;
    const CURLcode code = curl_easy_perform(m_impl->curl);
    m_impl->sink = nullptr;
    return m_impl->finish(code);
}

}  // namespace attnscope::detail
