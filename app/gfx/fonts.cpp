#include "fonts.h"

#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <filesystem>

namespace attnscope::gfx {

namespace {

constexpr const char* k_font_paths[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
};

// Scripts and symbols of typical inputs; the atlas stays small enough for one texture.
const ImWchar k_ranges[] = {
    0x0020, 0x024F,  // Latin, Latin-1, Latin Extended-A/B
    0x0370, 0x052F,  // Greek, Cyrillic
    0x0590, 0x05FF,  // Hebrew
    0x2000, 0x206F,  // General punctuation (— … ‘ ’ “ ”)
    0x20A0, 0x20CF,  // Currency
    0x2190, 0x21FF,  // Arrows (↵ ⇥)
    0x2200, 0x22FF,  // Mathematical operators (√ ∞ ∘ − ∑: the teaching views)
    0x2400, 0x243F,  // Control pictures (␣ ␍)
    0x25A0, 0x25FF,  // Geometric shapes
    0xFFFD, 0xFFFD,  // Replacement character
    0,
};

}  // namespace

bool load_fonts(float scale, bool recreate_texture) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    bool found = false;
    for (const char* path : k_font_paths) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) continue;
        ImFontConfig config;
        config.OversampleH = 2;
        config.OversampleV = 1;
        if (io.Fonts->AddFontFromFileTTF(path, 16.0f * scale, &config, k_ranges)) {
            found = true;
            break;
        }
    }
    if (!found) {
        ImFontConfig config;
        config.SizePixels = 13.0f * scale;
        io.Fonts->AddFontDefault(&config);
    }
    io.Fonts->Build();
    if (recreate_texture) {
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    return found;
}

}  // namespace attnscope::gfx
