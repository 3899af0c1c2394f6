// The built-in example sentences (assets/examples/sentences.txt, embedded at build time):
// coreference pairs, agreement, long-range dependencies, for classrooms.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace attnscope::app {

struct ExampleSentence {
    std::string group;  // "Coreference"
    std::string text;
};

// Parses "Group | sentence" lines; '#' comments and blank lines are skipped, a line without '|'
// goes to the group "Examples".
std::vector<ExampleSentence> parse_example_sentences(std::string_view text);

// The embedded list, parsed once.
const std::vector<ExampleSentence>& example_sentences();

// The embedded file's text (generated source).
extern const char* const k_example_sentences_text;

}  // namespace attnscope::app
