// The Hugging Face Hub: the local cache that `transformers` and attnscope share, finding a model id
// ("gpt2", "org/name") in it, and downloading a model into it.
//
// The cache layout is the one huggingface_hub writes, so both tools use one copy:
//   <cache>/models--org--name/blobs/<etag>               a file's bytes, named by the Hub's ETag
//   <cache>/models--org--name/blobs/<etag>.incomplete    a download in progress (resumed by Range)
//   <cache>/models--org--name/snapshots/<commit>/<file>  symlink to ../../blobs/<etag>
//   <cache>/models--org--name/refs/<revision>            the commit the revision pointed at
// A snapshot only ever holds links to complete, checked blobs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

// [SECTION] The cache (no network)

// $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// $HOME/.cache/huggingface/hub; empty when none of these is set. Not checked to exist. Reads the
// environment, so it must not race with setenv.
std::filesystem::path hub_cache_dir();

// True if `text` has the form of a Hub model id: "name" or "org/name", each part made of
// letters, digits, '-', '_' and '.', not starting or ending with '-' or '.', without "--" or "..",
// at most 96 characters in all.
bool is_hub_model_id(std::string_view text);

// The cache folder name of a model id: "org/name" -> "models--org--name", "gpt2" ->
// "models--gpt2". Precondition: is_hub_model_id(model_id).
std::string hub_repo_folder(std::string_view model_id);

// The inverse: "models--org--name" -> "org/name"; empty if `folder` is not such a name.
std::string model_id_from_hub_folder(std::string_view folder);

// True if `revision` can name a branch, tag or commit in URLs and in refs/: not empty, no "..",
// no leading '/', no backslash, no control characters or spaces.
bool is_valid_revision(std::string_view revision);

// The snapshot folder of `model_id` at `revision` in `cache`: refs/<revision> names the commit
// (a 40-hex revision may also name a snapshot folder directly). Throws LoadError that says what is
// missing (the model, the revision, the snapshot) and to run `attnscope pull`.
std::filesystem::path find_cached_snapshot(const std::filesystem::path& cache,
                                           const std::string& model_id,
                                           const std::string& revision = "main");

// What every --model option and the model picker accept. An existing path is returned as it is
// (the caller checks that it is a model folder); otherwise a model id is looked up in
// hub_cache_dir() with find_cached_snapshot. Throws LoadError: "model folder not found: X" for a
// missing path that cannot be an id; for an id, a message naming the cache folder and saying to
// run `attnscope pull ID`.
std::filesystem::path resolve_model_location(const std::string& folder_or_id,
                                             const std::string& revision = "main");

// A name to show for a model folder: "org/name" for a snapshot inside a Hub cache
// (.../models--org--name/snapshots/<commit>), otherwise the folder's own name.
std::string model_display_name(const std::filesystem::path& dir);

// [SECTION] Downloading (libcurl)

// Where and what to download. Use hub_options_from_environment for the user's settings.
struct HubDownloadOptions {
    std::string model_id;                             // "gpt2", "org/name"
    std::string revision = "main";                    // branch, tag or commit hash
    std::string endpoint = "https://huggingface.co";  // scheme://host[:port][/path], no final '/'
    std::string token;                // sent as "Authorization: Bearer <token>" unless empty
    std::filesystem::path cache_dir;  // the hub cache folder; created if missing
    bool offline = false;             // HF_HUB_OFFLINE: refuse to use the network
};

// The options for `model_id` at `revision` from the environment: HF_ENDPOINT (default
// https://huggingface.co), HF_TOKEN (else the file `huggingface-cli login` writes:
// $HF_TOKEN_PATH, else $HF_HOME/token, else ~/.cache/huggingface/token), HF_HUB_OFFLINE, and
// hub_cache_dir(). Reads the environment, so it must not race with setenv.
HubDownloadOptions hub_options_from_environment(std::string model_id,
                                                std::string revision = "main");

// Where a pull is. Byte counts cover the files that had to be transferred; a resumed file counts
// its partial bytes as done from the start.
struct DownloadProgress {
    enum class Stage { Checking, Downloading, Done };
    Stage stage = Stage::Checking;  // Checking: asking the server which files exist
    std::string file;               // file being transferred ("model.safetensors")
    int file_index = 0;             // 1-based among the n_files to transfer
    int n_files = 0;                // files not already complete in the cache
    uint64_t file_done = 0;         // bytes of this file
    uint64_t file_total = 0;        // 0 if the server did not say
    uint64_t done = 0;              // bytes of all the files to transfer
    uint64_t total = 0;
};

// Progress of a pull; return false to cancel it. Called on the pulling thread: at each stage and
// file, and about 20 times a second while bytes arrive (also when none do, so a stalled transfer
// can still be cancelled).
using DownloadCallback = std::function<bool(const DownloadProgress&)>;

struct PullResult {
    std::filesystem::path snapshot_dir;   // <cache>/models--org--name/snapshots/<commit>
    std::string commit;                   // X-Repo-Commit, else the revision name
    std::vector<std::string> files;       // the files linked in the snapshot
    uint64_t downloaded_bytes = 0;        // transferred by this call
    uint64_t cached_bytes = 0;            // complete blobs reused + partial bytes resumed
    std::vector<std::string> unverified;  // files whose ETag is not a sha256 / git sha1
};

// Downloads exactly the files Model::load reads, from
// {endpoint}/{model_id}/resolve/{revision}/{file}, into the cache: config.json; tokenizer.json,
// else vocab.json + merges.txt, else vocab.txt (the loader's order), plus tokenizer_config.json
// and special_tokens_map.json when they exist; model.safetensors, else
// model.safetensors.index.json and every shard it names. Blobs already in the cache are reused,
// partial ones resumed with an HTTP Range request. Each file is checked against its ETag (sha256
// for LFS files, the git blob sha1 for small ones) before it is linked into the snapshot;
// config.json is linked last and refs/<revision> written only when everything is in place, so an
// interrupted pull never leaves a snapshot that looks complete.
//
// Blocking. Thread-safe: each call uses its own connection; two pulls of the same file at once
// are refused (the partial file is locked). Throws HubError with a message that says what to do
// (offline, HF_TOKEN for gated or private models, unknown id/revision/file, pickle-only weights,
// corrupted or dropped transfer, disk full), DownloadCancelled when `progress` returned false.
PullResult pull_model(const HubDownloadOptions& options, const DownloadCallback& progress = {});

}  // namespace attnscope
