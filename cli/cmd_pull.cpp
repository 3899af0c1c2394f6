// attnscope pull: downloads a model from the Hugging Face Hub into the cache that transformers
// uses too, with progress on stderr, and prints the snapshot folder on stdout (so
// `--model "$(attnscope pull gpt2)"` works, as does `--model gpt2` afterwards).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <vector>

#include "attnscope/errors.h"
#include "attnscope/hub.h"
#include "cli_common.h"

namespace attnscope::cli {

namespace {

Args make_args() {
    return Args(
        "pull", "MODEL_ID [--revision R] [--quiet]",
        "Downloads the files attnscope reads of a Hugging Face model (config.json, the tokenizer "
        "files, model.safetensors or the shards its index names) into the Hugging Face cache "
        "($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), where transformers "
        "finds them too, and prints the snapshot folder. MODEL_ID is 'name' or 'org/name'. Files "
        "already in the cache are not downloaded again, and an interrupted pull resumes where it "
        "stopped. HF_ENDPOINT sets the server (default https://huggingface.co), HF_TOKEN an "
        "access token for gated or private models. Afterwards --model MODEL_ID opens the model "
        "in every command and in the app.",
        {
            {"--revision", "R", "branch, tag or commit to download (default main)"},
            {"--quiet", "", "no progress on stderr"},
        });
}

// Args takes options only: MODEL_ID is taken out first (the one word that is neither an option
// nor the value of --revision).
std::vector<char*> split_model_id(int argc, char** argv, std::string* model_id) {
    std::vector<char*> options{argv[0], argv[1]};
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.starts_with("-")) {
            options.push_back(argv[i]);
            if (arg == "--revision" && i + 1 < argc) options.push_back(argv[++i]);
            continue;
        }
        if (!model_id->empty())
            throw UsageError("unexpected argument '" + arg + "' (pull takes one MODEL_ID)");
        *model_id = arg;
    }
    return options;
}

std::string megabytes(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / (1024.0 * 1024.0));
    return buf;
}

// "12 KB", "21.9 MB", "2.20 GB".
std::string human_size(uint64_t bytes) {
    char buf[32];
    if (bytes < 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.0f KB", double(bytes) / 1024.0);
    else if (bytes < uint64_t(1024) * 1024 * 1024)
        return megabytes(bytes);
    else
        std::snprintf(buf, sizeof buf, "%.2f GB", double(bytes) / (1024.0 * 1024.0 * 1024.0));
    return buf;
}

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) {
    g_interrupted = true;
}

// Ctrl-C cancels the pull cleanly (the partial file stays, to resume) instead of killing it.
class InterruptGuard {
  public:
    InterruptGuard() { m_previous = std::signal(SIGINT, on_interrupt); }
    ~InterruptGuard() { std::signal(SIGINT, m_previous); }

  private:
    void (*m_previous)(int) = SIG_DFL;
};

// On a terminal, one progress bar line redrawn in place; on a pipe or log file, one line per file.
class ProgressPrinter {
  public:
    ProgressPrinter(bool quiet, std::string endpoint)
        : m_quiet(quiet), m_tty(::isatty(STDERR_FILENO) == 1), m_endpoint(std::move(endpoint)) {}

    bool operator()(const DownloadProgress& p) {
        if (g_interrupted) return false;
        if (m_quiet) return true;
        using Stage = DownloadProgress::Stage;
        if (p.stage == Stage::Checking && !m_said_checking) {
            std::fprintf(stderr, "checking the files on %s\n", m_endpoint.c_str());
            m_said_checking = true;
        }
        if (p.stage == Stage::Downloading && p.file != m_file) {
            m_file = p.file;
            if (!m_tty)
                std::fprintf(
                    stderr, "[%d/%d] %s%s%s\n", p.file_index, p.n_files, p.file.c_str(),
                    p.file_total ? (" (" + human_size(p.file_total) + ")").c_str() : "",
                    p.file_done ? (", resuming at " + human_size(p.file_done)).c_str() : "");
        }
        if (p.stage == Stage::Downloading && m_tty) draw_bar(p);
        if (p.stage == Stage::Done && m_bar_open) {
            draw_bar(p);
            close_bar();
        }
        return true;
    }
    // A cancelled or failed pull's message starts on a line of its own.
    ~ProgressPrinter() { close_bar(); }

  private:
    void close_bar() {
        if (m_bar_open) std::fputc('\n', stderr);
        m_bar_open = false;
    }

    void draw_bar(const DownloadProgress& p) {
        const auto now = std::chrono::steady_clock::now();
        if (p.stage != DownloadProgress::Stage::Done &&
            now - m_last_draw < std::chrono::milliseconds(100))
            return;
        m_last_draw = now;
        if (m_start_done < 0) {
            m_start = now;
            m_start_done = int64_t(p.done);
        }
        const double fraction = p.total ? double(p.done) / double(p.total) : 0.0;
        constexpr int k_width = 30;
        const int filled = int(fraction * k_width + 0.5);
        const double seconds = std::chrono::duration<double>(now - m_start).count();
        // The rate over the bytes of this run (a resumed part arrived earlier), once measurable.
        const std::string rate =
            seconds > 0.5
                ? "  " + megabytes(uint64_t(double(int64_t(p.done) - m_start_done) / seconds)) +
                      "/s"
                : std::string();
        std::fprintf(stderr, "\r[%d/%d] %-28.28s [%s%s] %3d%%  %s / %s%s\x1b[K", p.file_index,
                     p.n_files, p.file.empty() ? "done" : p.file.c_str(),
                     std::string(size_t(filled), '#').c_str(),
                     std::string(size_t(k_width - filled), '.').c_str(), int(fraction * 100),
                     megabytes(p.done).c_str(), megabytes(p.total).c_str(), rate.c_str());
        std::fflush(stderr);
        m_bar_open = true;
    }

    bool m_quiet, m_tty;
    std::string m_endpoint;
    bool m_said_checking = false;
    bool m_bar_open = false;  // a bar is drawn and its line not yet ended
    std::string m_file;
    std::chrono::steady_clock::time_point m_last_draw{}, m_start{};
    int64_t m_start_done = -1;
};

}  // namespace

int cmd_pull(const std::string& program, int argc, char** argv) {
    Args args = make_args();
    std::string model_id;
    std::vector<char*> options = split_model_id(argc, argv, &model_id);
    if (parse_or_help(args, program, int(options.size()), options.data())) return 0;
    if (model_id.empty()) throw UsageError("missing MODEL_ID (e.g. gpt2 or org/name)");

    const HubDownloadOptions hub =
        hub_options_from_environment(model_id, args.get_or("--revision", "main"));
    ProgressPrinter printer(args.has("--quiet"), hub.endpoint);
    g_interrupted = false;
    InterruptGuard guard;
    const PullResult result =
        pull_model(hub, [&](const DownloadProgress& p) { return printer(p); });
    for (const std::string& f : result.unverified)
        std::fprintf(stderr,
                     "warning: %s was not checked: the server's ETag is not a sha256 or git "
                     "hash\n",
                     f.c_str());
    if (!args.has("--quiet"))
        std::fprintf(
            stderr, "pulled %s at commit %s: %zu files, %s downloaded, %s from the cache\n",
            model_id.c_str(), result.commit.c_str(), result.files.size(),
            human_size(result.downloaded_bytes).c_str(), human_size(result.cached_bytes).c_str());
    std::printf("%s\n", result.snapshot_dir.string().c_str());
    return 0;
}

}  // namespace attnscope::cli
