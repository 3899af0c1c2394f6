#include "heatmap_renderer.h"

#include <algorithm>
#include <cassert>

#include "embedded_shaders.h"
#include "gl.h"

namespace attnscope::gfx {

HeatmapRenderer::~HeatmapRenderer() {
    if (m_vao) glDeleteVertexArrays(1, &m_vao);
}

bool HeatmapRenderer::init(std::string* error) {
    if (!m_program.build(k_heatmap_vert, k_heatmap_frag, "shaders/heatmap", error)) return false;
    m_loc_values = m_program.uniform("u_values");
    m_loc_cell_px = m_program.uniform("u_cell_px");
    m_loc_min = m_program.uniform("u_min");
    m_loc_max = m_program.uniform("u_max");
    m_loc_map = m_program.uniform("u_colormap");
    m_loc_light = m_program.uniform("u_masked_light");
    m_loc_dark = m_program.uniform("u_masked_dark");
    if (!m_grid.build(k_heatmap_vert, k_grid_frag, "shaders/grid", error)) return false;
    m_grid_loc = {m_grid.uniform("u_values"),       m_grid.uniform("u_ranges"),
                  m_grid.uniform("u_heads"),        m_grid.uniform("u_tokens"),
                  m_grid.uniform("u_thumb"),        m_grid.uniform("u_colormap"),
                  m_grid.uniform("u_masked_light"), m_grid.uniform("u_masked_dark")};
    // Core profile draws need a bound VAO even though the triangle comes from gl_VertexID.
    glGenVertexArrays(1, &m_vao);
    return true;
}

int HeatmapRenderer::cell_px_for(int n, int target_px, int max_cell_px) {
    if (n <= 0) return 1;
    return std::clamp((target_px + n - 1) / n, 1, max_cell_px);
}

namespace {

// The GL state our offscreen draws change, saved and put back (we draw while ImGui builds a frame).
class SavedState {
  public:
    SavedState() {
        glGetIntegerv(GL_FRAMEBUFFER_BINDING, &m_fbo);
        glGetIntegerv(GL_CURRENT_PROGRAM, &m_program);
        glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &m_vao);
        glGetIntegerv(GL_ACTIVE_TEXTURE, &m_active);
        glActiveTexture(GL_TEXTURE0);
        glGetIntegerv(GL_TEXTURE_BINDING_2D, &m_texture);
        glGetIntegerv(GL_VIEWPORT, m_viewport);
        m_blend = glIsEnabled(GL_BLEND);
        m_scissor = glIsEnabled(GL_SCISSOR_TEST);
        glDisable(GL_BLEND);
        glDisable(GL_SCISSOR_TEST);
    }
    ~SavedState() {
        glBindFramebuffer(GL_FRAMEBUFFER, GLuint(m_fbo));
        glViewport(m_viewport[0], m_viewport[1], m_viewport[2], m_viewport[3]);
        glUseProgram(GLuint(m_program));
        glBindVertexArray(GLuint(m_vao));
        glBindTexture(GL_TEXTURE_2D, GLuint(m_texture));
        glActiveTexture(GLenum(m_active));
        if (m_blend) glEnable(GL_BLEND);
        if (m_scissor) glEnable(GL_SCISSOR_TEST);
    }
    SavedState(const SavedState&) = delete;
    SavedState& operator=(const SavedState&) = delete;

  private:
    GLint m_fbo = 0, m_program = 0, m_vao = 0, m_texture = 0, m_active = 0;
    GLint m_viewport[4] = {};
    GLboolean m_blend = GL_FALSE, m_scissor = GL_FALSE;
};

}  // namespace

void HeatmapRenderer::render(RenderTarget& target, std::span<const float> values, int rows,
                             int cols, const HeatmapStyle& style) {
    assert(values.size() == size_t(rows) * cols && rows > 0 && cols > 0);
    const SavedState saved;
    m_values.upload_r32f(cols, rows, values.data());
    target.ensure_size(cols * style.cell_px, rows * style.cell_px);
    target.bind();
    m_program.use();
    glBindTexture(GL_TEXTURE_2D, m_values.id());
    glUniform1i(m_loc_values, 0);
    glUniform1i(m_loc_cell_px, style.cell_px);
    glUniform1f(m_loc_min, style.range.lo);
    glUniform1f(m_loc_max, style.range.hi);
    glUniform1i(m_loc_map, int(style.colormap));
    glUniform3f(m_loc_light, k_masked_light.r / 255.0f, k_masked_light.g / 255.0f,
                k_masked_light.b / 255.0f);
    glUniform3f(m_loc_dark, k_masked_dark.r / 255.0f, k_masked_dark.g / 255.0f,
                k_masked_dark.b / 255.0f);
    glBindVertexArray(m_vao);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    target.update_mipmaps();
}

void HeatmapRenderer::render_grid_tiles(RenderTarget& atlas, const ValueArray& values,
                                        const Texture& ranges, std::span<const int> tiles,
                                        const GridStyle& style) {
    if (tiles.empty()) return;
    const SavedState saved;
    atlas.bind();
    m_grid.use();
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, ranges.id());
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D_ARRAY, values.id());
    glUniform1i(m_grid_loc.values, 0);
    glUniform1i(m_grid_loc.ranges, 1);
    glUniform1i(m_grid_loc.heads, style.n_head);
    glUniform1i(m_grid_loc.tokens, style.n_token);
    glUniform1i(m_grid_loc.thumb, style.thumb_px);
    glUniform1i(m_grid_loc.map, int(style.colormap));
    glUniform3f(m_grid_loc.light, k_masked_light.r / 255.0f, k_masked_light.g / 255.0f,
                k_masked_light.b / 255.0f);
    glUniform3f(m_grid_loc.dark, k_masked_dark.r / 255.0f, k_masked_dark.g / 255.0f,
                k_masked_dark.b / 255.0f);
    glBindVertexArray(m_vao);
    for (int tile : tiles) {
        const int l = tile / style.n_head, h = tile % style.n_head;
        glViewport(h * style.thumb_px, l * style.thumb_px, style.thumb_px, style.thumb_px);
        glDrawArrays(GL_TRIANGLES, 0, 3);
    }
    glBindTexture(GL_TEXTURE_2D_ARRAY, 0);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, 0);
    glActiveTexture(GL_TEXTURE0);
}

}  // namespace attnscope::gfx
