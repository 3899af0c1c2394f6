#include "args.h"

#include <algorithm>
#include <charconv>

namespace attnscope::cli {

std::optional<int> parse_int(const std::string& text, int min, int max) {
    int value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || value < min || value > max) return std::nullopt;
    return value;
}

namespace {

// Wraps a paragraph at `width` columns for --help; explicit newlines start new lines.
std::string wrap(const std::string& text, size_t width) {
    std::string out, line, word;
    auto flush_word = [&] {
        if (word.empty()) return;
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
        word.clear();
    };
    for (char c : text) {
        if (c == ' ' || c == '\n') {
            flush_word();
            if (c == '\n') {
                out += line + "\n";
                line.clear();
            }
        } else {
            word += c;
        }
    }
    flush_word();
    return out + line;
}

}  // namespace

Args::Args(std::string command, std::string synopsis, std::string description,
           std::vector<OptionSpec> options)
    : m_command(std::move(command)),
      m_synopsis(std::move(synopsis)),
      m_description(std::move(description)),
      m_options(std::move(options)) {}

const OptionSpec* Args::find(const std::string& name) const {
    auto it = std::find_if(m_options.begin(), m_options.end(),
                           [&](const OptionSpec& o) { return o.name == name; });
    return it == m_options.end() ? nullptr : &*it;
}

void Args::parse(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            m_help = true;
            continue;
        }
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
            throw UsageError("unexpected argument '" + arg + "' (options start with --)");

        std::optional<std::string> inline_value;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            inline_value = arg.substr(eq + 1);
            arg.resize(eq);
        }
        const OptionSpec* spec = find(arg);
        if (!spec) throw UsageError("unknown option '" + arg + "'");
        if (m_values.count(arg)) throw UsageError("option '" + arg + "' is given more than once");

        if (spec->value_name.empty()) {
            if (inline_value) throw UsageError("option '" + arg + "' takes no value");
            m_values[arg] = "";
            continue;
        }
        if (inline_value) {
            m_values[arg] = *inline_value;
            continue;
        }
        // "--model --text hi" means the value of --model was forgotten, not that the folder is
        // called "--text". Any other word, even one starting with "--", is taken as the value so
        // a text such as "--" stays possible.
        const bool next_is_option =
            i + 1 < argc && (find(argv[i + 1]) != nullptr || std::string(argv[i + 1]) == "--help");
        if (i + 1 >= argc || next_is_option)
            throw UsageError("option '" + arg + "' needs a value (" + spec->value_name + ")");
        m_values[arg] = argv[++i];
    }
}

std::string Args::help_text(const std::string& program) const {
    std::string out = "usage: " + program + " " + m_command + " " + m_synopsis + "\n\n";
    if (!m_description.empty()) out += wrap(m_description, 90) + "\n\n";
    out += "options:\n";
    size_t width = 6;  // "--help"
    for (const auto& o : m_options)
        width =
            std::max(width, o.name.size() + (o.value_name.empty() ? 0 : o.value_name.size() + 1));
    auto line = [&](const std::string& left, const std::string& help) {
        out += "  " + left + std::string(width - left.size() + 2, ' ') + help + "\n";
    };
    for (const auto& o : m_options)
        line(o.name + (o.value_name.empty() ? "" : " " + o.value_name), o.help);
    line("--help", "show this help");
    return out;
}

bool Args::has(const std::string& name) const {
    return m_values.count(name) != 0;
}

std::optional<std::string> Args::get(const std::string& name) const {
    auto it = m_values.find(name);
    if (it == m_values.end()) return std::nullopt;
    return it->second;
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
    return get(name).value_or(fallback);
}

std::string Args::require(const std::string& name) const {
    auto v = get(name);
    if (!v) throw UsageError("missing " + name);
    return *v;
}

int Args::get_int(const std::string& name, int fallback, int min, int max) const {
    auto v = get(name);
    if (!v) return fallback;
    auto n = parse_int(*v, min, max);
    if (!n)
        throw UsageError("option '" + name + "' expects a whole number from " +
                         std::to_string(min) + " to " + std::to_string(max) + ", got '" + *v + "'");
    return *n;
}

}  // namespace attnscope::cli
