// The application: owns the Session (state, jobs), the views and the GL resources, lays out the
// main window, and runs scripted captures. main.cpp only drives the frame loop around it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <imgui.h>

#include "app_args.h"
#include "autopilot.h"
#include "background_task.h"
#include "download_job.h"
#include "gfx/head_textures.h"
#include "gfx/heatmap_renderer.h"
#include "glyph_coverage.h"
#include "model_catalog.h"
#include "session.h"
#include "views/error_panel_view.h"
#include "views/export_view.h"
#include "views/import_view.h"
#include "views/grid_view.h"
#include "views/head_view.h"
#include "views/heatmap_view.h"
#include "views/model_panel_view.h"
#include "views/model_picker_view.h"
#include "views/options_view.h"
#include "views/prediction_view.h"
#include "views/sentence_view.h"
#include "views/analysis_views.h"
#include "views/teaching_views.h"
#include "views/token_strip_view.h"
#include "views/welcome_view.h"

namespace attnscope::app {

class App {
  public:
    // `wake` is called from worker threads when a result is ready (e.g. glfwPostEmptyEvent).
    App(const AppArgs& args, std::function<void()> wake);
    ~App();

    // Needs the GL context: fonts, shaders. False + *error on failure.
    bool init_graphics(std::string* error);

    // Before the platform NewFrame: rebuilds fonts when the text size changed or characters the
    // atlas lacks (Chinese, Japanese, ...) appeared.
    void before_frame();
    // After the platform NewFrame, before ImGui::NewFrame: scripted keystrokes.
    void inject_input();
    // Between ImGui::NewFrame and ImGui::Render: the whole UI.
    void frame();
    // After the draw data was rendered, before the swap: captures, timings, exit decisions.
    void after_render(int framebuffer_width, int framebuffer_height);

    // The event loop may sleep this long waiting for input (0 = keep drawing).
    double idle_wait_seconds() const;
    bool should_exit() const { return m_exit; }
    int exit_code() const { return m_exit_code; }
    // The window background (the main window draws none of its own).
    ImVec4 clear_color() const { return ImGui::GetStyle().Colors[ImGuiCol_WindowBg]; }

  private:
    void apply_startup_selection();
    void draw_menu_bar();
    void draw_sidebar(float width);
    void draw_views();
    void draw_view(ViewKind view);
    bool settled() const;
    bool atlas_lacks_characters() const;  // shown text has characters not in the font atlas
    void capture(int width, int height);
    void rescan_models();
    void fail(int code, const std::string& message);
    void set_classroom(bool on);
    // Export and import (app_export.cpp): menus, dialogs, background saves, scripted exports.
    void draw_file_menu();
    void draw_export_menu();
    void draw_export_dialogs();
    bool draw_unavailable(ViewKind view);  // true if the view cannot show an imported trace
    void start_export(const ExportRequest& request);
    void capture_exports();

    AppArgs m_args;
    Session m_session;
    std::vector<SearchRoot> m_roots;
    std::vector<ModelEntry> m_models;

    gfx::HeatmapRenderer m_renderer;
    gfx::HeadTextures m_head_textures;

    SentenceView m_sentence_view;
    TokenStripView m_token_strip_view;
    PredictionView m_prediction_view;
    ModelPanelView m_model_panel_view;
    ModelPickerView m_model_picker_view;
    OptionsView m_options_view;
    ErrorPanelView m_error_panel_view;
    WelcomeView m_welcome_view;
    GridView m_grid_view;
    HeatmapView m_heatmap_view;
    HeadView m_head_view;
    ExportView m_export_view;
    ImportView m_import_view;   // File > Open attention (.npz)
    BackgroundTask m_saver;     // SVG and trace files being written
    TeachingViews m_teaching;  // Q/K/V view, softmax stepper, classroom mode, examples
    AnalysisViews m_analysis;  // compare, diff, search, rollout (issue 5)
    DownloadJob m_download;    // a model downloading from the Hugging Face Hub (issue 6)

    ViewKind m_tab_view = ViewKind::Grid;  // the tab ImGui shows (lags a requested switch a frame)
    ImVec2 m_view_min, m_view_max;         // screen rectangle of the view in front (exports)
    std::vector<PixelProbe> m_probes;      // filled when checking pixels
    std::optional<ExportRequest> m_export_request;
    int m_export_delay = 0;     // frames to wait before exporting
    std::string m_notice;       // why the view in front shows nothing (scripted runs print it)
    std::string m_status;       // last export message
    float m_font_scale = 1.0f;  // scale the font atlas was built for
    AtlasCodepoints m_atlas_codepoints;  // characters added to the atlas (CJK, ...)
    ImGuiStyle m_base_style;
    bool m_focus_text = true;  // put the keyboard in the sentence box
    bool m_startup_selection_done = false;

    std::optional<AutoPilot> m_pilot;
    bool m_exit = false;
    int m_exit_code = 0;
};

}  // namespace attnscope::app
