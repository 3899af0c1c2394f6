// Command-line parsing for the subcommands: declared options only, so a typo is an error that
// names the flag instead of being ignored.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnscope::cli {

// A wrong command line: unknown flag, missing value, bad number. The dispatcher prints it with a
// pointer to --help and exits with status 2.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct OptionSpec {
    std::string name;        // "--model"
    std::string value_name;  // "DIR"; empty for a switch such as "--json"
    std::string help;        // one line
};

class Args {
  public:
    // `command` is the subcommand ("dump"); `synopsis` the usage line after the program name;
    // `description` a paragraph shown by --help before the options.
    Args(std::string command, std::string synopsis, std::string description,
         std::vector<OptionSpec> options);

    // Parses argv[first..argc). Accepts "--name value" and "--name=value". Throws UsageError for
    // unknown options, missing values, repeated options and positional arguments.
    void parse(int argc, char** argv, int first);

    bool help_requested() const { return m_help; }
    std::string help_text(const std::string& program) const;

    bool has(const std::string& name) const;  // given on the command line (switch or value)
    std::optional<std::string> get(const std::string& name) const;
    std::string get_or(const std::string& name, const std::string& fallback) const;
    std::string require(const std::string& name) const;  // UsageError "missing --name" if absent

    // An integer option in [min, max]; UsageError naming the flag if it is not one.
    int get_int(const std::string& name, int fallback, int min, int max) const;
    int get_positive_int(const std::string& name, int fallback, int max = 1 << 30) const {
        return get_int(name, fallback, 1, max);
    }

    const std::string& command() const { return m_command; }

  private:
    const OptionSpec* find(const std::string& name) const;

    std::string m_command, m_synopsis, m_description;
    std::vector<OptionSpec> m_options;
    std::map<std::string, std::string> m_values;  // switches map to ""
    bool m_help = false;
};

// Parses a whole number in [min, max]; nullopt if `text` is not one.
std::optional<int> parse_int(const std::string& text, int min, int max);
inline std::optional<int> parse_positive_int(const std::string& text, int max = 1 << 30) {
    return parse_int(text, 1, max);
}

}  // namespace attnscope::cli
