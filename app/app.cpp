#include "app.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include "gfx/fonts.h"
#include "gfx/frame_io.h"
#include "pixel_check.h"
#include "widgets.h"

namespace attnscope::app {

namespace {
constexpr size_t k_upload_budget = size_t(4) << 20;  // weights sent to the GPU per frame
}  // namespace

// [SECTION] Life cycle

App::App(const AppArgs& args, std::function<void()> wake)
    : m_args(args),
      m_session(make_engine_backend(), SessionConfig{}, wake),
      m_saver(wake),
      m_analysis(wake),
      m_download(wake) {
    AppState& st = m_session.state();
    m_session.set_options(args.options);
    if (args.text) st.input.text = *args.text;
    if (args.pair) {
        st.input.pair = *args.pair;
        st.input.use_pair = true;
    }
    st.input.n_tokens = args.n_tokens;
    if (args.view) st.selection.view = *args.view;
    if (args.heatmap_mode) st.selection.heatmap_mode = *args.heatmap_mode;
    if (args.zoom > 0) m_heatmap_view.set_zoom(args.zoom);
    if (args.step > 0) m_teaching.set_step(args.step);
    apply_compare_args(args, st.compare);
    m_font_scale = args.options.font_scale;
    m_focus_text = !args.scripted();
    rescan_models();
    if (args.import_file) {
        ModelSource source;
        source.import_file = *args.import_file;
        m_session.open_model(source);
    } else if (args.model) {
        m_session.open_model({*args.model, ""});
    } else if (!args.shape.empty()) {
        m_session.open_model({{}, args.shape});
    } else if (const ModelEntry* e = first_usable(m_models)) {
        m_session.open_model({e->dir, ""});
    }
    if (args.model_b) {
        ModelSource b;
        b.dir = *args.model_b;
        m_session.open_model_b(b);
    }
    if (args.open_model_picker) m_model_picker_view.open();
    if (args.scripted())
        m_pilot.emplace(
            ScriptConfig{args.frames, args.type_text, args.timeout, args.clicks, args.mouse},
            Clock::now());
}

App::~App() = default;

bool App::init_graphics(std::string* error) {
    m_atlas_codepoints.add(shown_texts(m_session.state(), m_models));  // e.g. a CJK --text
    if (!gfx::load_fonts(m_font_scale, m_atlas_codepoints.codepoints(), false))
        std::fprintf(stderr, "attnscope: DejaVu Sans not found, using the built-in font\n");
    ImGui::StyleColorsDark();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowRounding = 0.0f;
    style.FrameRounding = 3.0f;
    style.ChildRounding = 3.0f;
    style.ItemSpacing = ImVec2(8, 6);
    m_base_style = style;
    style.ScaleAllSizes(m_font_scale);
    if (m_args.classroom) set_classroom(true);
    if (m_pilot) std::printf("attnscope: renderer %s\n", gfx::renderer_description().c_str());
    return m_renderer.init(error);
}

void App::rescan_models() {
    m_roots = model_search_roots();
    m_models = find_models(m_roots);
}

void App::set_classroom(bool on) {
    DisplayOptions options = m_session.state().options;
    m_teaching.set_classroom(on, options, m_base_style);
    m_session.set_options(options);  // before_frame rebuilds the fonts at the new size
    ImGui::GetStyle() = m_base_style;
    ImGui::GetStyle().ScaleAllSizes(m_font_scale);
}

void App::fail(int code, const std::string& message) {
    std::fprintf(stderr, "attnscope: %s\n", message.c_str());
    m_exit = true;
    m_exit_code = code;
}

// [SECTION] Frame

bool App::atlas_lacks_characters() const {
    return !m_atlas_codepoints.missing(shown_texts(m_session.state(), m_models)).empty();
}

void App::before_frame() {
    // Only a character not yet in the atlas rebuilds it: a CJK font's full ranges are too big.
    const bool new_chars = m_atlas_codepoints.add(shown_texts(m_session.state(), m_models));
    const float wanted = m_session.state().options.font_scale;
    if (wanted == m_font_scale && !new_chars) return;
    m_font_scale = wanted;
    gfx::load_fonts(m_font_scale, m_atlas_codepoints.codepoints(), true);
    ImGui::GetStyle() = m_base_style;
    ImGui::GetStyle().ScaleAllSizes(m_font_scale);
}

void App::inject_input() {
    if (!m_pilot) return;
    // Scripted runs own the mouse (off the window unless a click or --mouse puts it somewhere), so
    // no hover or tooltip depends on where the X server left the pointer.
    ImGuiIO& io = ImGui::GetIO();
    const ScriptMouse mouse = m_pilot->mouse();
    io.MousePos = mouse.on_window ? ImVec2(mouse.pos.x, mouse.pos.y) : ImVec2(-FLT_MAX, -FLT_MAX);
    io.MouseDown[0] = mouse.down;
    const Clock::time_point now = Clock::now();
    const std::string key = m_pilot->key_to_type(now);
    if (key.empty()) return;
    m_session.state().input.text += key;  // what the sentence box does on a keystroke
    m_session.text_edited(now);
}

void App::apply_startup_selection() {
    const AppState& st = m_session.state();
    if (m_startup_selection_done || !st.display) return;
    m_startup_selection_done = true;
    const DisplayTrace& d = *st.display;
    Selection& sel = m_session.state().selection;
    auto check = [&](const std::optional<int>& v, int n, const char* flag, const char* what) {
        if (!v) return true;
        if (*v < n) return true;
        fail(2, std::string(flag) + " " + std::to_string(*v) + " is out of range: the model has " +
                    std::to_string(n) + " " + what);
        return false;
    };
    if (!check(m_args.layer, d.n_layer, "--layer", "layers") ||
        !check(m_args.head, d.n_head, "--head", "heads") ||
        !check(m_args.token, d.n_source_token, "--token", "tokens"))
        return;
    if (const std::string e = check_compare_args(m_args, d, m_session.state().compare);
        !e.empty()) {
        fail(2, e);
        return;
    }
    if (m_args.layer) sel.layer = *m_args.layer;
    if (m_args.head) sel.head = *m_args.head;
    if (m_args.token) sel.token = *m_args.token;
}

void App::frame() {
    const Clock::time_point now = Clock::now();
    AppState& st = m_session.state();
    st.selection.begin_frame();
    m_session.update(now);
    apply_startup_selection();
    m_probes.clear();
    if (classroom_key_pressed()) set_classroom(!m_teaching.classroom());

    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->WorkPos);
    ImGui::SetNextWindowSize(vp->WorkSize);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_MenuBar |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus |
                                   // The clear colour is the background: with a software
                                   // rasteriser a full-window blended quad costs real time.
                                   ImGuiWindowFlags_NoBackground;
    ImGui::Begin("attnscope", nullptr, flags);
    draw_menu_bar();
    if (st.error) {
        switch (m_error_panel_view.draw(*st.error)) {
            case ErrorAction::Dismiss:
                m_session.dismiss_error();
                break;
            case ErrorAction::Truncate:
                m_session.dismiss_error();
                st.input.truncate = true;
                m_session.run_now(now);
                break;
            case ErrorAction::None:
                break;
        }
    }
    if (!st.model) {
        const ModelEntry* chosen = nullptr;
        if (m_welcome_view.draw(m_roots, m_models, st.loading, &chosen)) m_model_picker_view.open();
        if (chosen) m_session.open_model({chosen->dir, ""});
    } else {
        if (st.model->imported) {  // the engine cannot rerun attention read from a file
            widgets::muted_text(("Imported attention from " + st.model->name +
                                 ": the text cannot be edited (no model runs it). Open a model "
                                 "to type text.")
                                    .c_str());
        } else if (m_sentence_view.draw(st.input, st.model.get(), st.running, m_focus_text)) {
            st.input.truncate = false;
            m_session.text_edited(now);
        }
        m_focus_text = false;
        const bool teaching =
            st.selection.view == ViewKind::Qkv || st.selection.view == ViewKind::Softmax;
        if (st.display && !(teaching && m_teaching.classroom()))  // the views list the tokens
            m_token_strip_view.draw(st.display, st.options, st.selection,
                                    ImGui::GetTextLineHeight() * 5.5f);
        const float sidebar_w = 300.0f * m_font_scale;
        if (!m_teaching.classroom()) {  // classroom mode gives the projector's width to the view
            ImGui::BeginChild("##sidebar", ImVec2(sidebar_w, 0), true);
            draw_sidebar(sidebar_w);
            ImGui::EndChild();
            ImGui::SameLine();
        }
        draw_views();
    }
    bool rescan = false;
    HubRequest hub;
    const DownloadJob::Status download = m_download.status();
    if (auto chosen = m_model_picker_view.draw(m_models, m_roots, &rescan, download, &hub))
        m_session.open_model(*chosen);
    if (hub.download_id)
        m_download.start(hub_options_from_environment(*hub.download_id, hub.revision));
    if (hub.cancel) m_download.cancel();
    if (download.active) m_status = download_status_line(download);
    if (auto done = m_download.take_outcome()) {  // a finished download opens its model
        m_status = done->result      ? "downloaded " + done->model_id
                   : done->cancelled ? "download of " + done->model_id + " cancelled"
                                     : "";
        if (done->result) {
            ModelSource downloaded;
            downloaded.dir = done->result->snapshot_dir;
            m_session.open_model(downloaded);
        }
        if (done->error) st.error = done->error;
        rescan = true;
    }
    if (rescan) rescan_models();
    draw_export_dialogs();
    ImGui::End();
}

void App::draw_menu_bar() {
    AppState& st = m_session.state();
    if (!ImGui::BeginMenuBar()) return;
    draw_file_menu();
    if (ImGui::BeginMenu("Model")) {
        if (ImGui::MenuItem("Open model...")) m_model_picker_view.open();
        if (ImGui::MenuItem("Rescan model folders")) rescan_models();
        ImGui::Separator();
        for (const ModelEntry& e : m_models)
            if (e.usable && ImGui::MenuItem(e.name.c_str())) m_session.open_model({e.dir, ""});
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
        for (int v = 0; v < k_view_count; ++v)
            if (ImGui::MenuItem(view_title(ViewKind(v)), nullptr, st.selection.view == ViewKind(v)))
                st.selection.view = ViewKind(v);
        ImGui::EndMenu();
    }
    bool toggle_classroom = false;
    if (m_teaching.draw_menus(st.input, &toggle_classroom)) m_session.text_edited(Clock::now());
    if (toggle_classroom) set_classroom(!m_teaching.classroom());
    draw_export_menu();
    if (st.display) {
        const DisplayTrace& d = *st.display;
        const std::string run = run_status(st.trace.get(), m_session.stats().last_run_seconds);
        ImGui::TextDisabled("  %d %s shown of %d tokens%s  |  layer %s, head %s  |  %s%s",
                            d.n_token, d.words ? "words" : "tokens", d.n_source_token,
                            d.lens == Lens::Attention ? "" : "  |  value-weighted lens",
                            d.layer_labels[size_t(st.selection.layer)].c_str(),
                            d.head_labels[size_t(st.selection.head)].c_str(), run.c_str(),
                            st.running ? "  |  running..." : "");
    }
    if (!m_status.empty()) ImGui::TextDisabled("  %s", m_status.c_str());
    ImGui::EndMenuBar();
}

void App::draw_sidebar(float width) {
    AppState& st = m_session.state();
    if (ImGui::CollapsingHeader("Model", ImGuiTreeNodeFlags_DefaultOpen))
        if (m_model_panel_view.draw(st)) m_model_picker_view.open();
    if (st.trace && !st.trace->imported &&
        ImGui::CollapsingHeader("Prediction", ImGuiTreeNodeFlags_DefaultOpen))
        m_prediction_view.draw(*st.trace, *st.model);
    if (ImGui::CollapsingHeader("Display options", ImGuiTreeNodeFlags_DefaultOpen)) {
        DisplayOptions options = st.options;
        if (m_options_view.draw(options)) m_session.set_options(options);
    }
    if (st.display && st.selection.active_token() >= 0 &&
        st.selection.active_token() < st.display->n_source_token) {
        const int t = st.selection.active_token();
        const int shown = st.display->display_index[size_t(t)];
        ImGui::Separator();
        ImGui::Text("Token %d: '%s'", t,
                    shown >= 0 ? st.display->labels[size_t(shown)].c_str() : "(hidden)");
    }
    (void)width;
}

void App::draw_views() {
    AppState& st = m_session.state();
    ImGui::BeginChild("##views", ImVec2(0, 0), false);
    if (!st.display) {
        ImGui::TextDisabled(st.running || st.loading.active
                                ? "Running the model..."
                                : "Type a sentence to see its attention.");
        ImGui::EndChild();
        return;
    }
    const bool forcing = st.selection.view != m_tab_view;
    // With large text (a projector) ten full titles do not fit and ImGui would cut every one to
    // "Heatm..."; short titles stay readable, and the full one shows on hover.
    const ImGuiStyle& style = ImGui::GetStyle();
    const bool full_titles = full_view_titles_fit(
        ImGui::GetContentRegionAvail().x, style.FramePadding.x * 2 + style.ItemInnerSpacing.x,
        [](const char* t) { return ImGui::CalcTextSize(t).x; });
    if (ImGui::BeginTabBar("##viewtabs")) {
        for (int i = 0; i < k_view_count; ++i) {
            const ViewKind v = ViewKind(i);
            const ImGuiTabItemFlags f =
                forcing && v == st.selection.view ? ImGuiTabItemFlags_SetSelected : 0;
            // "###" keeps the tab's identity whichever title it shows.
            const std::string label = std::string(full_titles ? view_title(v)
                                                              : view_short_title(v)) +
                                      "###view" + std::to_string(i);
            const bool open = ImGui::BeginTabItem(label.c_str(), nullptr, f);
            if (!full_titles && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", view_title(v));
            if (!open) continue;
            if (!forcing) st.selection.view = v;
            m_tab_view = v;
            draw_view(v);
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
    ImGui::EndChild();
}

void App::draw_view(ViewKind view) {
    AppState& st = m_session.state();
    m_view_min = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    m_view_max = ImVec2(m_view_min.x + avail.x, m_view_min.y + avail.y);
    if (draw_unavailable(view)) return;
    std::vector<PixelProbe>* probes = m_args.check_pixels ? &m_probes : nullptr;
    switch (view) {
        case ViewKind::Grid:
            m_head_textures.set_source(st.display, st.options);
            m_grid_view.draw(*st.display, m_head_textures, m_renderer, k_upload_budget,
                             st.selection, probes);
            break;
        case ViewKind::Heatmap:
            m_heatmap_view.draw(st.display, st.options, m_renderer, st.selection, probes);
            break;
        case ViewKind::HeadView:
            m_head_view.draw(st.display, st.selection);
            break;
        case ViewKind::Compare:
        case ViewKind::Diff:
        case ViewKind::Models:
        case ViewKind::Search:
        case ViewKind::Rollout:
            m_analysis.draw(view, m_session, m_renderer, probes, m_models);
            break;
        case ViewKind::Qkv:
            if (const std::string note = token_level_note(st.options, false); !note.empty())
                widgets::muted_text(note.c_str());
            m_teaching.draw_qkv(st.trace, st.selection, st.options.colormap);
            break;
        case ViewKind::Softmax:  // animations count frames in scripted runs (deterministic)
            if (const std::string note = token_level_note(st.options, true); !note.empty())
                widgets::muted_text(note.c_str());
            m_teaching.draw_softmax(st.trace, st.selection, st.options.colormap,
                                    m_pilot ? 1.0f / 60.0f : ImGui::GetIO().DeltaTime);
            break;
    }
}

// [SECTION] Scripted runs and captures

bool App::settled() const {
    const AppState& st = m_session.state();
    if (!m_session.idle() || m_font_scale != st.options.font_scale) return false;
    if (atlas_lacks_characters()) return false;
    if (m_download.status().active) return false;  // a download opens its model when done
    if (!st.model || !st.display) return true;
    if (!m_startup_selection_done || m_tab_view != st.selection.view) return false;
    if (!m_notice.empty()) return true;  // the view says it cannot show this trace
    switch (st.selection.view) {
        case ViewKind::Grid:
            return m_head_textures.display() == st.display.get() && m_head_textures.complete();
        case ViewKind::Heatmap:
            return m_heatmap_view.up_to_date();
        case ViewKind::HeadView:
        case ViewKind::Qkv:
        case ViewKind::Softmax:
            return true;
        case ViewKind::Compare:
        case ViewKind::Diff:
        case ViewKind::Models:
        case ViewKind::Search:
        case ViewKind::Rollout:
            return m_analysis.settled(st.selection.view, st);
    }
    return true;
}

double App::idle_wait_seconds() const {
    // Measured frames and unfinished textures need every frame.
    if (m_pilot && m_pilot->phase() == AutoPilot::Phase::Rendering) return 0.0;
    if (m_session.state().display && !settled() && m_session.idle()) return 0.0;
    if (m_export_request || m_font_scale != m_session.state().options.font_scale) return 0.0;
    if (atlas_lacks_characters()) return 0.0;  // the next frame's rebuild replaces the boxes
    if (m_saver.busy()) return 0.05;  // its status line appears when it ends
    if (m_session.state().selection.view == ViewKind::Softmax && m_teaching.animating()) return 0.0;
    // Otherwise sleep until input, a worker's result (it wakes the loop) or the debounce's end,
    // leaving the CPU to the forward pass.
    if (auto deadline = m_session.debounce_deadline())
        return std::max(0.0, std::chrono::duration<double>(*deadline - Clock::now()).count()) +
               0.001;
    if (m_session.state().loading.active) return 1.0 / 30.0;  // progress bar
    if (!m_session.idle()) return 0.1;
    return 0.5;
}

void App::after_render(int width, int height) {
    if (m_export_request && m_export_delay > 0) {
        --m_export_delay;
    } else if (m_export_request) {
        gfx::Image img = gfx::render_region(ImGui::GetDrawData(), m_view_min, m_view_max,
                                            m_export_request->scale, clear_color());
        std::string error;
        m_status = gfx::write_png(m_export_request->path, img, &error)
                       ? "saved " + m_export_request->path + " (" + std::to_string(img.width) +
                             "x" + std::to_string(img.height) + ")"
                       : error;
        m_export_request.reset();
    }
    if (!m_pilot || m_exit) return;
    if (m_args.print_frame_times) gfx::finish();
    const FrameOutcome outcome = m_pilot->end_frame(settled(), Clock::now());
    if (outcome.capture) capture(width, height);
    if (outcome.exit) m_exit = true;
}

void App::capture(int width, int height) {
    const AppState& st = m_session.state();
    if (m_pilot->phase() == AutoPilot::Phase::TimedOut) {
        fail(4, "not settled after " + std::to_string(int(m_args.timeout)) +
                    " s (model loading or running too slowly?)");
    }
    if (st.error)
        std::fprintf(stderr, "attnscope: error panel: %s: %s\n", st.error->title.c_str(),
                     st.error->detail.c_str());
    if (!st.model) std::printf("attnscope: no model loaded (welcome screen)\n");
    if (st.display)
        std::printf(
            "attnscope: model %s, %d tokens (%d shown), %d x %d heads, view %s, layer %d, "
            "head %d, token %d, hovered %d\n",
            st.model->name.c_str(), st.display->n_source_token, st.display->n_token,
            st.display->n_layer, st.display->n_head, view_name(st.selection.view),
            st.selection.layer, st.selection.head, st.selection.token, st.selection.hovered);
    const DisplayOptions& o = st.options;
    std::printf(
        "attnscope: options: hide special %d, one-based %d, colormap %s, diverging %s, "
        "scale %s, font scale %.2f, words %d, lens %s\n",
        o.hide_special, o.one_based, colormap_name(o.colormap), colormap_name(o.diverging),
        o.scale == ValueScale::Unit ? "unit" : "max", o.font_scale, o.words, lens_name(o.lens));
    if (const ModelBState& b = st.compare.model_b; b.display && st.display && st.trace) {
        const ModelsLayout layout = models_layout(*st.trace, *st.display, *b.trace, *b.display);
        std::printf("attnscope: model B %s, %d tokens (%d shown), %d x %d heads, %s\n",
                    b.model->name.c_str(), b.display->n_source_token, b.display->n_token,
                    b.display->n_layer, b.display->n_head,
                    layout.difference ? "difference A - B shown" : layout.message.c_str());
    } else if (!st.compare.model_b.error.empty()) {
        std::printf("attnscope: model B failed: %s\n", st.compare.model_b.error.c_str());
    }
    if (const std::string r = m_analysis.models_rollout_summary(); !r.empty())
        std::printf("attnscope: models view: %s\n", r.c_str());
    if (const CompareState& c = st.compare; c.display_b && c.trace_b && st.display && st.trace) {
        const PairLayout layout = pair_layout(*st.trace, *st.display, *c.trace_b, *c.display_b);
        std::printf("attnscope: sentence B, %d tokens (%d shown), %s\n",
                    c.display_b->n_source_token, c.display_b->n_token,
                    layout.difference ? "difference A - B shown" : layout.message.c_str());
    }
    if (const std::vector<char32_t>& extra = m_atlas_codepoints.codepoints(); !extra.empty())
        std::printf("attnscope: glyphs: %zu characters beyond the base ranges, %zu as boxes\n",
                    extra.size(), gfx::codepoints_without_glyph(extra).size());
    const std::string gl_errors = gfx::take_gl_errors();
    if (!gl_errors.empty()) fail(6, "OpenGL errors: " + gl_errors);

    gfx::Image screen = gfx::read_back_buffer(width, height);
    std::string error;
    if (!m_args.screenshot.empty() && !gfx::write_png(m_args.screenshot, screen, &error))
        fail(5, error);
    if (m_args.check_pixels) {
        const PixelCheckResult r = check_pixels(m_probes, screen.rgba.data(), width, height, 6);
        std::printf(
            "attnscope: pixel check: %d cells compared, %d failed, max channel diff %d/255\n",
            r.compared, r.failed, r.max_diff);
        if (!r.ok())
            fail(3, r.compared == 0 ? "pixel check: no heatmap cells large enough to compare"
                                    : "pixel check failed: " + r.first_failure);
    }
    if (!m_args.export_path.empty()) {
        gfx::Image img = gfx::render_region(ImGui::GetDrawData(), m_view_min, m_view_max,
                                            m_args.export_scale, clear_color());
        if (!gfx::write_png(m_args.export_path, img, &error)) fail(5, error);
        // The origin lets a test crop the same region out of --screenshot.
        std::printf("attnscope: exported %s view %dx%d at %d,%d to %s\n",
                    view_name(st.selection.view), img.width, img.height,
                    int(std::floor(m_view_min.x)), int(std::floor(m_view_min.y)),
                    m_args.export_path.c_str());
    }
    capture_exports();
    if (m_args.print_frame_times) {
        const std::vector<double>& f = m_pilot->frame_ms();
        for (size_t i = 0; i < f.size(); ++i) std::printf("frame %zu: %.3f ms\n", i, f[i]);
        std::printf("attnscope: frame time: %s\n", summarize_ms(f).c_str());
    }
    if (!m_pilot->latency_ms().empty()) {
        const Session::Stats& s = m_session.stats();
        std::printf("attnscope: keystroke-to-screen latency: %s\n",
                    summarize_ms(m_pilot->latency_ms()).c_str());
        std::printf(
            "attnscope: model runs shown: %d, mean %.2f ms each (forward pass + view model, "
            "worker thread); debounce %d ms\n",
            s.runs_shown, 1000.0 * s.shown_run_seconds / std::max(1, s.runs_shown),
            int(SessionConfig{}.debounce.count()));
    }
    std::fflush(stdout);
}

}  // namespace attnscope::app
