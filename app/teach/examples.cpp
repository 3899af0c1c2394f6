#include "examples.h"

namespace attnscope::app {

namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

}  // namespace

std::vector<ExampleSentence> parse_example_sentences(std::string_view text) {
    std::vector<ExampleSentence> out;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto bar = line.find('|');
        ExampleSentence e;
        e.group = bar == std::string_view::npos ? "Examples" : std::string(trim(line.substr(0, bar)));
        e.text = std::string(bar == std::string_view::npos ? line : trim(line.substr(bar + 1)));
        if (!e.text.empty()) out.push_back(std::move(e));
    }
    return out;
}

const std::vector<ExampleSentence>& example_sentences() {
    static const std::vector<ExampleSentence> list =
        parse_example_sentences(k_example_sentences_text);
    return list;
}

}  // namespace attnscope::app
