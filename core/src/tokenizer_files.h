// Reading tokenizer files (internal to the tokenizer loader). Every failure is a TokenizerError
// that names the file.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer_impl.h"

namespace attnscope::detail {

std::string read_file(const std::filesystem::path& path);
nlohmann::json read_json(const std::filesystem::path& path);
// An optional JSON file: null when it is absent.
nlohmann::json read_optional_json(const std::filesystem::path& path);
bool has_file(const std::filesystem::path& path);

// Parses a tokenizer.json, sending model.vocab into spec.vocab and model.merges into spec.merges
// (both become null in the returned DOM; *saw_vocab says whether model.vocab was an object), or
// with root_is_vocab a vocab.json, whose root object is the vocabulary.
nlohmann::json parse_tokenizer_file(const std::filesystem::path& path, TokenizerSpec& spec,
                                    bool root_is_vocab, bool* saw_vocab = nullptr);

}  // namespace attnscope::detail
