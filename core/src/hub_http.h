// HTTP for the Hub downloader (internal): one libcurl handle, HEAD and ranged GET requests, the
// response headers the Hub sends, and a classification of what went wrong. Knows nothing of the
// cache; hub_download.cpp turns failures into messages.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace attnscope::detail {

// The headers of one request, merged over its redirect chain.
struct HttpResponse {
    long status = 0;               // of the last response received (0: none)
    std::string etag;              // see merge_headers() in hub_http.cpp; no W/ prefix, no quotes
    std::string commit;            // X-Repo-Commit
    std::optional<uint64_t> size;  // X-Linked-Size, else Content-Length of a 200 response
    std::string location;          // Location of a redirect that was not followed
    std::string error_code;        // X-Error-Code: RepoNotFound, GatedRepo, EntryNotFound, ...
    std::string error_message;     // X-Error-Message
    std::string body_excerpt;      // the start of an error response's body (GET only)
};

// Why a transfer did not complete, in the terms the messages need.
enum class TransferFailure {
    None,           // the exchange completed (look at the HTTP status)
    CannotResolve,  // DNS: offline, or a wrong HF_ENDPOINT
    CannotConnect,  // connection refused or unreachable
    TimedOut,       // connecting took too long, or no data arrived for a minute
    Dropped,        // the connection broke off mid-transfer
    Tls,            // certificate or TLS handshake problem
    Cancelled,      // the progress callback asked to stop
    WriteFailed,    // the body sink refused bytes (disk full, I/O error)
    Other,
};

struct HttpOutcome {
    HttpResponse response;
    TransferFailure failure = TransferFailure::None;
    std::string curl_error;  // libcurl's description when failure != None
};

// Receives body bytes of a 2xx response; `status` is that response's code (206 for a range).
// Returns false to stop the transfer (outcome WriteFailed).
using BodySink = std::function<bool(const char* data, size_t size, long status)>;
// Polled during transfers; returning false cancels the transfer (outcome Cancelled).
using PollFn = std::function<bool()>;

// Not thread-safe: one client per pulling thread.
class HttpClient {
  public:
    // `token`, when not empty, goes in an "Authorization: Bearer" header; libcurl drops it when a
    // redirect leads to another host (the Hub's CDN rejects it). `poll` is called about once a
    // second at least, more often while bytes arrive.
    HttpClient(std::string token, PollFn poll);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // HEAD, following only redirects to a path on the same server, like huggingface_hub: the
    // CDN's signed URLs are valid for GET only, and the Hub's redirect already carries the
    // metadata (X-Linked-Etag, X-Linked-Size, X-Repo-Commit).
    HttpOutcome head(const std::string& url);

    // GET from byte `from` on (a Range request when from > 0), following every redirect. Bodies
    // of 2xx responses go to `sink`; of others, to response.body_excerpt.
    HttpOutcome get(const std::string& url, uint64_t from, const BodySink& sink);

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// "https://huggingface.co" for "https://huggingface.co/gpt2/resolve/main/config.json".
std::string url_origin(const std::string& url);
// Percent-encodes everything but unreserved characters, and '/' when `keep_slash`.
std::string url_encode(const std::string& text, bool keep_slash);

}  // namespace attnscope::detail
