// Errors for bad input. core throws these; the app catches them in one place and shows an error
// panel. Bugs (broken invariants) are asserts, not exceptions.
#pragma once

#include <stdexcept>
#include <string>

namespace attnscope {

// Base of every error that bad input (a file, a config, a text) can cause.
// Messages name the file, the tensor or field, and expected vs actual where that applies.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A model folder, config.json, safetensors file or weight that cannot be used.
class LoadError : public Error {
public:
    using Error::Error;
};

// Tokenizer files that are missing or malformed.
class TokenizerError : public Error {
public:
    using Error::Error;
};

// A text the model cannot run on: invalid UTF-8, empty where the model needs a token, too long.
class InputError : public Error {
public:
    using Error::Error;
};

// A download from the Hugging Face Hub failed: no connection, no access (401/403), an unknown id,
// revision or file (404), a transfer that broke off or does not match its checksum, a full disk.
// The message names the model, the file or URL, and says what to do.
class HubError : public Error {
public:
    using Error::Error;
};

// The user cancelled a download. Partial files stay in the cache and the next pull resumes them.
class DownloadCancelled : public HubError {
public:
    using HubError::HubError;
};

// The input has more tokens than the model has positions. Carries the numbers so a UI can offer
// to truncate.
class TooLongError : public InputError {
public:
    TooLongError(int n_token, int max_positions)
        : InputError("the text has " + std::to_string(n_token) + " tokens but the model accepts at most " +
                     std::to_string(max_positions) +
                     " (its max_position_embeddings); shorten the text or enable truncation"),
          n_token(n_token),
          max_positions(max_positions) {}
    int n_token;
    int max_positions;
};

}  // namespace attnscope
