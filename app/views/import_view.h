// File > Open attention (.npz): a path box plus a small browser listing the .npz / .npy files and
// folders of one folder. It only picks the file; the Session loads it on its loader thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace attnscope::app {

class ImportView {
  public:
    // Opens the dialog browsing `folder` (the current directory if empty).
    void open(const std::filesystem::path& folder);
    // Draws the dialog if open; returns the file when the user confirms.
    std::optional<std::filesystem::path> draw();

  private:
    void browse(const std::filesystem::path& folder);

    bool m_open_request = false;
    std::string m_path;                            // the file to open (editable)
    std::filesystem::path m_folder;                // the folder listed
    std::vector<std::filesystem::path> m_folders;  // its subfolders
    std::vector<std::filesystem::path> m_files;    // its .npz / .npy files
    bool m_truncated = false;                      // more entries than listed
};

}  // namespace attnscope::app
