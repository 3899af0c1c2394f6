// The model picker: the models found in the search folders (the Hugging Face cache among them),
// a folder browser to open any Hugging Face model folder (or a model id in the cache), and a
// "Download from the Hub" section. A modal window; listing happens on open and on "Rescan", not
// per frame. The download itself runs in the App's DownloadJob: the picker only shows its status
// and says what the user asked for.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "../backend.h"
#include "../download_job.h"
#include "../model_catalog.h"

namespace attnscope::app {

// What the "Download from the Hub" section asked for this frame.
struct HubRequest {
    std::optional<std::string> download_id;  // start downloading this model id ...
    std::string revision = "main";           // ... at this revision
    bool cancel = false;                     // cancel the running download
};

class ModelPickerView {
  public:
    void open() { m_open_request = true; }

    // Draws the picker if open. Returns the model the user chose; sets *rescan when the user asks
    // to search the folders again, and *hub when the user starts or cancels a download (whose
    // progress `download` shows).
    std::optional<ModelSource> draw(const std::vector<ModelEntry>& entries,
                                    const std::vector<SearchRoot>& roots, bool* rescan,
                                    const DownloadJob::Status& download, HubRequest* hub);

  private:
    void browse(const std::filesystem::path& dir);
    void draw_hub_section(const std::vector<ModelEntry>& entries,
                          const DownloadJob::Status& download, HubRequest* hub);

    bool m_open_request = false;
    std::string m_path;                             // the folder box
    std::filesystem::path m_browse_dir;             // the browser's folder
    std::vector<std::filesystem::path> m_children;  // its subfolders (listed on change)
    std::optional<ModelEntry> m_browse_entry;  // the browser's folder, if it looks like a model
    std::string m_hub_id = "gpt2";             // the Hub section's model id box
    std::string m_hub_revision = "main";       // and its revision box
};

}  // namespace attnscope::app
