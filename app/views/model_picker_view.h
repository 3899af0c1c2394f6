// The model picker: the models found in the search folders, and a folder browser to open any
// Hugging Face model folder. A modal window; listing happens on open and on "Rescan", not per
// frame.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "../backend.h"
#include "../model_catalog.h"

namespace attnscope::app {

class ModelPickerView {
  public:
    void open() { m_open_request = true; }

    // Draws the picker if open. Returns the model the user chose; sets *rescan when the user asks
    // to search the folders again.
    std::optional<ModelSource> draw(const std::vector<ModelEntry>& entries,
                                    const std::vector<SearchRoot>& roots, bool* rescan);

  private:
    void browse(const std::filesystem::path& dir);

    bool m_open_request = false;
    std::string m_path;                             // the folder box
    std::filesystem::path m_browse_dir;             // the browser's folder
    std::vector<std::filesystem::path> m_children;  // its subfolders (listed on change)
    std::optional<ModelEntry> m_browse_entry;  // the browser's folder, if it looks like a model
};

}  // namespace attnscope::app
