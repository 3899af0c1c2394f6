// The Hugging Face cache without the network: where it is, model ids, and finding a snapshot.
// The rules follow huggingface_hub (constants.py, file_download.py) so both tools agree on paths.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include "attnscope/errors.h"
#include "attnscope/hub.h"

namespace attnscope {

namespace fs = std::filesystem;

namespace {

const char* env_value(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

// huggingface_hub expands "~" in its path variables; so do we, or the two would disagree.
fs::path expand_home(const std::string& path) {
    const char* home = env_value("HOME");
    if (home && path == "~") return home;
    if (home && path.starts_with("~/")) return fs::path(home) / path.substr(2);
    return path;
}

bool is_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

// One part of an id: huggingface_hub's [\w\-.]+ between word boundaries, so it starts and ends
// with a letter, digit or '_'.
bool is_id_part(std::string_view part) {
    if (part.empty()) return false;
    if (!std::all_of(part.begin(), part.end(), is_id_char)) return false;
    auto edge_ok = [](char c) { return c != '-' && c != '.'; };
    return edge_ok(part.front()) && edge_ok(part.back());
}

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

// The revisions the cache has refs for ("main", "v1.0", "refs/pr/1"), for error messages.
std::string cached_revisions(const fs::path& refs_dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(refs_dir, ec), end; !ec && it != end;
         it.increment(ec)) {
        std::error_code ec2;
        if (it->is_regular_file(ec2))
            names.push_back(it->path().lexically_relative(refs_dir).generic_string());
    }
    std::sort(names.begin(), names.end());
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::string pull_command(const std::string& model_id, const std::string& revision) {
    return "attnscope pull " + model_id + (revision == "main" ? "" : " --revision " + revision);
}

}  // namespace

fs::path hub_cache_dir() {
    if (const char* v = env_value("HF_HUB_CACHE")) return expand_home(v);
    if (const char* v = env_value("HUGGINGFACE_HUB_CACHE")) return expand_home(v);  // older name
    if (const char* v = env_value("HF_HOME")) return expand_home(v) / "hub";
    if (const char* v = env_value("XDG_CACHE_HOME")) return expand_home(v) / "huggingface" / "hub";
    if (const char* v = env_value("HOME")) return fs::path(v) / ".cache" / "huggingface" / "hub";
    return {};
}

bool is_hub_model_id(std::string_view text) {
    if (text.empty() || text.size() > 96 + 1 + 96) return false;
    if (text.find("--") != std::string_view::npos || text.find("..") != std::string_view::npos)
        return false;
    if (text.ends_with(".git")) return false;
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) return text.size() <= 96 && is_id_part(text);
    const std::string_view org = text.substr(0, slash), name = text.substr(slash + 1);
    return name.size() <= 96 && is_id_part(org) && is_id_part(name);
}

std::string hub_repo_folder(std::string_view model_id) {
    std::string folder = "models--";
    for (char c : model_id) {
        if (c == '/')
            folder += "--";
        else
            folder += c;
    }
    return folder;
}

std::string model_id_from_hub_folder(std::string_view folder) {
    if (!folder.starts_with("models--")) return {};
    std::string id(folder.substr(8));
    if (const size_t sep = id.find("--"); sep != std::string::npos) id.replace(sep, 2, "/");
    return is_hub_model_id(id) ? id : std::string();
}

bool is_valid_revision(std::string_view revision) {
    if (revision.empty() || revision.size() > 255 || revision.front() == '/' ||
        revision.back() == '/')
        return false;
    if (revision.find("..") != std::string_view::npos ||
        revision.find("//") != std::string_view::npos)
        return false;
    return std::all_of(revision.begin(), revision.end(), [](char c) {
        return static_cast<unsigned char>(c) > ' ' && c != '\\' && c != 0x7f && c != '~' &&
               c != '^' && c != ':' && c != '?' && c != '*' && c != '[';
    });
}

fs::path find_cached_snapshot(const fs::path& cache, const std::string& model_id,
                              const std::string& revision) {
    if (!is_hub_model_id(model_id))
        throw LoadError("'" + model_id +
                        "' is not a Hugging Face model id (expected name or org/name)");
    if (!is_valid_revision(revision))
        throw LoadError("'" + revision + "' is not a valid revision name");
    const std::string folder = hub_repo_folder(model_id);
    const fs::path repo = cache / folder;
    if (!is_dir(repo))
        throw LoadError(model_id + " is not a folder and is not in the Hugging Face cache at " +
                        cache.string() + " (no " + folder + " there); run `" +
                        pull_command(model_id, revision) + "` to download it");
    const fs::path snapshots = repo / "snapshots";
    const fs::path ref = repo / "refs" / revision;
    std::error_code ec;
    if (fs::is_regular_file(ref, ec)) {
        std::ifstream in(ref);
        std::string commit;
        std::getline(in, commit);
        while (!commit.empty() && (commit.back() == '\r' || commit.back() == ' '))
            commit.pop_back();
        if (commit.empty() || commit.find('/') != std::string::npos || commit == "..")
            throw LoadError(ref.string() + ": expected a commit hash, found '" + commit +
                            "'; run `" + pull_command(model_id, revision) + "` again");
        const fs::path snapshot = snapshots / commit;
        if (!is_dir(snapshot))
            throw LoadError(ref.string() + " names commit " + commit + ", but " +
                            snapshot.string() + " is missing; run `" +
                            pull_command(model_id, revision) + "` again");
        return snapshot;
    }
    // A commit hash names its snapshot directly; so does a revision whose server sent no commit
    // id (huggingface_hub's try_to_load_from_cache falls back the same way).
    if (is_dir(snapshots / revision)) return snapshots / revision;
    const std::string have = cached_revisions(repo / "refs");
    throw LoadError(model_id + " is in the Hugging Face cache at " + repo.string() +
                    ", but revision '" + revision + "' was never downloaded (no refs/" + revision +
                    (have.empty() ? std::string(")") : "; cached revisions: " + have + ")") +
                    "; run `" + pull_command(model_id, revision) + "`");
}

fs::path resolve_model_location(const std::string& folder_or_id, const std::string& revision) {
    std::error_code ec;
    if (!folder_or_id.empty() && fs::exists(folder_or_id, ec)) return folder_or_id;
    if (!is_hub_model_id(folder_or_id)) throw LoadError("model folder not found: " + folder_or_id);
    const fs::path cache = hub_cache_dir();
    if (cache.empty())
        throw LoadError(folder_or_id +
                        " is not a folder, and there is no Hugging Face cache to look in (HOME, "
                        "HF_HOME and HF_HUB_CACHE are all unset)");
    return find_cached_snapshot(cache, folder_or_id, revision);
}

std::string model_display_name(const fs::path& dir) {
    const fs::path p = dir.filename().empty() ? dir.parent_path() : dir;
    const fs::path parent = p.parent_path();
    if (parent.filename() == "snapshots") {
        std::string id = model_id_from_hub_folder(parent.parent_path().filename().string());
        if (!id.empty()) return id;
    }
    return p.filename().string();
}

}  // namespace attnscope
