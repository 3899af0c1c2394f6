// The "Export view as PNG" dialog: a file name and a scale (1 = on-screen size).
#pragma once

#include <optional>
#include <string>

namespace attnscope::app {

struct ExportRequest {
    std::string path;
    float scale = 1.0f;
};

class ExportView {
  public:
    void open(const std::string& suggested_path);
    // Draws the dialog if open; returns the request when the user confirms.
    std::optional<ExportRequest> draw();

  private:
    bool m_open_request = false;
    std::string m_path;
    int m_scale_index = 0;
};

}  // namespace attnscope::app
