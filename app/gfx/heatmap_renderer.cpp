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
    // Core profile draws need a bound VAO even though the triangle comes from gl_VertexID.
    glGenVertexArrays(1, &m_vao);
    return true;
}

int HeatmapRenderer::cell_px_for(int n, int target_px, int max_cell_px) {
    if (n <= 0) return 1;
    return std::clamp((target_px + n - 1) / n, 1, max_cell_px);
}

void HeatmapRenderer::render(RenderTarget& target, std::span<const float> values, int rows,
                             int cols, const HeatmapStyle& style) {
    assert(values.size() == size_t(rows) * cols && rows > 0 && cols > 0);
    GLint last_fbo = 0, last_program = 0, last_vao = 0, last_texture = 0, last_active = 0;
    GLint last_viewport[4] = {};
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &last_fbo);
    glGetIntegerv(GL_CURRENT_PROGRAM, &last_program);
    glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &last_vao);
    glGetIntegerv(GL_ACTIVE_TEXTURE, &last_active);
    glActiveTexture(GL_TEXTURE0);
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
    glGetIntegerv(GL_VIEWPORT, last_viewport);
    const GLboolean blend = glIsEnabled(GL_BLEND), scissor = glIsEnabled(GL_SCISSOR_TEST);

    m_values.upload_r32f(cols, rows, values.data());
    target.ensure_size(cols * style.cell_px, rows * style.cell_px);
    target.bind();
    glDisable(GL_BLEND);
    glDisable(GL_SCISSOR_TEST);
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

    glBindFramebuffer(GL_FRAMEBUFFER, GLuint(last_fbo));
    glViewport(last_viewport[0], last_viewport[1], last_viewport[2], last_viewport[3]);
    glUseProgram(GLuint(last_program));
    glBindVertexArray(GLuint(last_vao));
    glBindTexture(GL_TEXTURE_2D, GLuint(last_texture));
    glActiveTexture(GLenum(last_active));
    if (blend) glEnable(GL_BLEND);
    if (scissor) glEnable(GL_SCISSOR_TEST);
}

}  // namespace attnscope::gfx
