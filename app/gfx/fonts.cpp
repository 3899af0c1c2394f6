#include "fonts.h"

#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "font_ranges.h"

namespace attnscope::gfx {

namespace {

constexpr const char* k_font_paths[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
};

// CJK fonts in Debian's packages, smallest first. fonts-wqy-microhei (5 MB, what
// scripts/install-deps.sh installs) covers Chinese (simplified and traditional), Japanese kana
// and Korean Hangul; fonts-wqy-zenhei is the same foundry's larger TrueType collection.
constexpr const char* k_cjk_font_paths[] = {
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
};

// The CJK font file, read once: each rebuild of the atlas (a new character typed) would
// otherwise read the 5 MB file again. Empty when no file was found.
const std::vector<char>& cjk_font_data() {
    static const std::vector<char> data = [] {
        for (const char* path : k_cjk_font_paths) {
            std::ifstream in(path, std::ios::binary);
            if (!in) continue;
            std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
            if (!bytes.empty()) return bytes;
        }
        std::fprintf(stderr,
                     "attnscope: no CJK font found (install fonts-wqy-microhei): Chinese, "
                     "Japanese and Korean characters show as boxes\n");
        return std::vector<char>{};
    }();
    return data;
}

// Kept alive while the atlas refers to them (ImFontConfig holds a pointer to its ranges).
ImVector<ImWchar> g_main_ranges;
ImVector<ImWchar> g_extra_ranges;

}  // namespace

bool load_fonts(float scale, std::span<const char32_t> extra_codepoints, bool recreate_texture) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    // The main font gets the extra characters too: DejaVu Sans has some scripts outside the base
    // ranges (Armenian, Georgian, ...), and where both fonts have a character the first one wins,
    // so Latin-looking text keeps one style.
    ImFontGlyphRangesBuilder main_builder;
    for (const app::CodepointRange& r : app::k_base_font_ranges)
        for (char32_t c = r.first; c <= r.last; ++c) main_builder.AddChar(ImWchar(c));
    ImFontGlyphRangesBuilder extra_builder;
    for (char32_t c : extra_codepoints) {
        main_builder.AddChar(ImWchar(c));
        extra_builder.AddChar(ImWchar(c));
    }
    g_main_ranges.clear();
    g_extra_ranges.clear();
    main_builder.BuildRanges(&g_main_ranges);
    extra_builder.BuildRanges(&g_extra_ranges);

    bool found = false;
    for (const char* path : k_font_paths) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) continue;
        ImFontConfig config;
        config.OversampleH = 2;
        config.OversampleV = 1;
        if (io.Fonts->AddFontFromFileTTF(path, 16.0f * scale, &config, g_main_ranges.Data)) {
            found = true;
            break;
        }
    }
    if (!found) {
        ImFontConfig config;
        config.SizePixels = 13.0f * scale;
        io.Fonts->AddFontDefault(&config);
    }
    // Only when needed: plain English text never reads the CJK file.
    if (!extra_codepoints.empty()) {
        const std::vector<char>& cjk = cjk_font_data();
        if (!cjk.empty()) {
            ImFontConfig config;
            config.MergeMode = true;
            config.FontDataOwnedByAtlas = false;  // the bytes stay in cjk_font_data()
            config.OversampleH = 2;
            config.OversampleV = 1;
            io.Fonts->AddFontFromMemoryTTF(const_cast<char*>(cjk.data()), int(cjk.size()),
                                           (found ? 16.0f : 13.0f) * scale, &config,
                                           g_extra_ranges.Data);
        }
    }
    io.Fonts->Build();
    // Conjoining Jamo the fonts lack point at their compatibility letters (font_ranges.h).
    ImFont* font = io.Fonts->Fonts[0];
    for (char32_t c : extra_codepoints) {
        const char32_t letter = app::compatibility_jamo(c);
        if (letter && !font->FindGlyphNoFallback(ImWchar(c)) &&
            font->FindGlyphNoFallback(ImWchar(letter)))
            font->AddRemapChar(ImWchar(c), ImWchar(letter));
    }
    if (recreate_texture) {
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    return found;
}

std::vector<char32_t> codepoints_without_glyph(std::span<const char32_t> codepoints) {
    std::vector<char32_t> missing;
    const ImFontAtlas* atlas = ImGui::GetIO().Fonts;
    if (atlas->Fonts.empty()) return {codepoints.begin(), codepoints.end()};
    const ImFont* font = atlas->Fonts[0];
    for (char32_t c : codepoints)
        if (c > 0xFFFF || !font->FindGlyphNoFallback(ImWchar(c))) missing.push_back(c);
    return missing;
}

}  // namespace attnscope::gfx
