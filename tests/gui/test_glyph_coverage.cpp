// Characters beyond the font atlas's base ranges (Chinese, Japanese, Korean, ...): which ones the
// shown texts need and which are new (pure logic), and the atlas built with them (ImGui without
// a window or GL).
#include <doctest/doctest.h>

#include <imgui.h>
#include <algorithm>
#include <filesystem>
#include <memory>

#include "gfx/fonts.h"
#include "glyph_coverage.h"
#include "gui_test_util.h"

using namespace attnscope;
using namespace attnscope::app;

TEST_SUITE_BEGIN("gui");
namespace {

std::vector<char32_t> needed(std::vector<std::string_view> texts,
                             std::vector<char32_t> in_atlas = {}) {
    return new_atlas_codepoints(texts, in_atlas);
}

bool contains(const std::vector<char32_t>& v, char32_t c) {
    return std::find(v.begin(), v.end(), c) != v.end();
}

// The file scripts/install-deps.sh installs (fonts-wqy-microhei).
const char* const k_cjk_font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

class ImGuiContextFixture {
  public:
    ImGuiContextFixture() : m_ctx(ImGui::CreateContext()) { ImGui::GetIO().IniFilename = nullptr; }
    ~ImGuiContextFixture() { ImGui::DestroyContext(m_ctx); }

  private:
    ImGuiContext* m_ctx;
};

}  // namespace

TEST_CASE("glyphs: text within the base ranges needs nothing new") {
    CHECK(needed({"The animal didn't cross the street.", "Ünïcödé naïve café — “quotes” …",
                  "Ελληνικά кириллица עברית", "Ġit ##ing ▁it ␣ ↵ √ ∑ €"})
              .empty());
    CHECK(needed({""}).empty());
    CHECK(needed({}).empty());
}

TEST_CASE("glyphs: CJK characters are needed once each, sorted") {
    const auto cps = needed({"我爱北京", "東京に行きます", "北京 Tokyo 北京", "한국어"});
    CHECK(cps == std::vector<char32_t>{U'き', U'す', U'に', U'ま', U'京', U'北', U'我', U'東',
                                       U'爱', U'行', U'국', U'어', U'한'});
}

TEST_CASE("glyphs: characters already in the atlas are not new") {
    const std::vector<char32_t> have{U'京', U'北'};
    CHECK(needed({"我爱北京"}, have) == std::vector<char32_t>{U'我', U'爱'});
    CHECK(needed({"北京北京"}, have).empty());
}

TEST_CASE("glyphs: controls, characters past U+FFFF and broken UTF-8 are skipped") {
    // 16-bit ImWchar: ImGui 1.86 draws 😀 (U+1F600) as U+FFFD, which the base ranges hold.
    CHECK(needed({"line\nbreak\ttab", "emoji 😀 𠀀"}).empty());
    // A lone continuation byte, a truncated 3-byte character, a stray lead byte: skipped, and
    // the characters after them still count.
    CHECK(needed({"\x80我", "\xE4\xB8", "\xE4 京", "\xFF"}) == std::vector<char32_t>{U'京', U'我'});
}

TEST_CASE("glyphs: AtlasCodepoints reports new characters once and keeps them sorted") {
    AtlasCodepoints atlas;
    const std::vector<std::string_view> english{"The animal didn't cross the street."};
    CHECK_FALSE(atlas.add(english));
    CHECK(atlas.codepoints().empty());

    const std::vector<std::string_view> tokyo{"東京"};
    CHECK(atlas.missing(tokyo) == std::vector<char32_t>{U'京', U'東'});
    CHECK(atlas.add(tokyo));
    CHECK_FALSE(atlas.add(tokyo));  // a second look rebuilds nothing
    CHECK(atlas.missing(tokyo).empty());

    const std::vector<std::string_view> beijing{"我爱北京"};
    CHECK(atlas.add(beijing));
    CHECK(atlas.codepoints() ==
          std::vector<char32_t>{U'京', U'北', U'我', U'東', U'爱'});  // merged in order
}

TEST_CASE("glyphs: shown texts cover the sentences, tokens, labels and model names") {
    AppState st;
    st.input.text = "我爱北京";
    st.compare.text_b = "東京";
    auto trace = std::make_shared<AttentionTrace>(test::make_word_trace("한 국"));
    trace->prediction.top = {{TokenProb{0, "語", "語", 0.5f, 1.0f}}};
    st.trace = trace;
    st.display = std::make_shared<const DisplayTrace>(make_display_trace(*trace, DisplayOptions{}));
    ModelEntry entry;
    entry.name = "模型";
    const std::vector<ModelEntry> models{entry};

    AtlasCodepoints atlas;
    CHECK(atlas.add(shown_texts(st, models)));
    for (char32_t c : {U'我', U'爱', U'北', U'京', U'東', U'한', U'국', U'語', U'模', U'型'})
        CHECK(contains(atlas.codepoints(), c));
    // Nothing changed: nothing to rebuild.
    CHECK(atlas.missing(shown_texts(st, models)).empty());
    st.input.text += "人";  // a keystroke
    CHECK(atlas.missing(shown_texts(st, models)) == std::vector<char32_t>{U'人'});
}

TEST_CASE("glyphs: the atlas built with the needed characters has their glyphs") {
    if (!std::filesystem::exists(k_cjk_font)) {
        MESSAGE("skipped: ", k_cjk_font, " missing (scripts/install-deps.sh installs it)");
        return;
    }
    ImGuiContextFixture ui;
    const std::vector<char32_t> cjk =
        needed({"我爱北京。東京に行きます。", "한국어", "Ġit ##ing", "Հայերեն"});

    // English only: the base ranges, the CJK characters absent (drawn as boxes).
    gfx::load_fonts(1.0f, {}, false);
    CHECK(gfx::codepoints_without_glyph(cjk) == cjk);
    unsigned char* pixels = nullptr;
    int width = 0, base_height = 0;
    ImGui::GetIO().Fonts->GetTexDataAsAlpha8(&pixels, &width, &base_height);

    // With them: every one has a glyph (Armenian from DejaVu Sans, the rest from the CJK font),
    // and the atlas grows by little, not by the tens of thousands of glyphs of the full ranges.
    gfx::load_fonts(1.0f, cjk, false);
    CHECK(gfx::codepoints_without_glyph(cjk).empty());
    int cjk_height = 0;
    ImGui::GetIO().Fonts->GetTexDataAsAlpha8(&pixels, &width, &cjk_height);
    CHECK(cjk_height <= 2 * base_height);
    const std::vector<char32_t> base{U'a', U'é', U'Ω', U'ж', U'␣', U'▁'};
    CHECK(gfx::codepoints_without_glyph(base).empty());  // the base ranges are still there
}

TEST_CASE("glyphs: conjoining Hangul Jamo map to their compatibility letters") {
    CHECK(compatibility_jamo(0x1100) == 0x3131);  // ᄀ -> ㄱ
    CHECK(compatibility_jamo(0x1112) == 0x314E);  // ᄒ -> ㅎ
    CHECK(compatibility_jamo(0x1161) == 0x314F);  // ᅡ -> ㅏ
    CHECK(compatibility_jamo(0x1175) == 0x3163);  // ᅵ -> ㅣ
    CHECK(compatibility_jamo(0x11A8) == 0x3131);  // ᆨ -> ㄱ
    CHECK(compatibility_jamo(0x11AB) == 0x3134);  // ᆫ -> ㄴ
    CHECK(compatibility_jamo(0x11C2) == 0x314E);  // ᇂ -> ㅎ
    for (char32_t c : {char32_t(0x1113), char32_t(0x1176), char32_t(0x11C3), char32_t(U'한'),
                       char32_t(U'a'), char32_t(0x3131)})
        CHECK(compatibility_jamo(c) == 0);
    // Uncased BERT's pieces of "한" (NFD: ᄒ ᅡ ᆫ) need the letters' glyphs too.
    CHECK(needed({"\u1112\u1161\u11AB"}) ==
          std::vector<char32_t>{0x1112, 0x1161, 0x11AB, 0x3134, 0x314E, 0x314F});
}

TEST_CASE("glyphs: the atlas draws conjoining Jamo with the compatibility letters") {
    if (!std::filesystem::exists(k_cjk_font)) {
        MESSAGE("skipped: ", k_cjk_font, " missing (scripts/install-deps.sh installs it)");
        return;
    }
    ImGuiContextFixture ui;
    const std::vector<char32_t> jamo = needed({"\u1112\u1161\u11AB \u1100\u116E\u11A8"});
    gfx::load_fonts(1.0f, jamo, false);
    CHECK(gfx::codepoints_without_glyph(jamo).empty());
    const ImFont* font = ImGui::GetIO().Fonts->Fonts[0];
    CHECK(font->FindGlyphNoFallback(0x1112) == font->FindGlyphNoFallback(0x314E));
    CHECK(font->FindGlyphNoFallback(0x11A8) == font->FindGlyphNoFallback(0x3131));
}
