#include "head_textures.h"

namespace attnscope::gfx {

void HeadTextures::set_source(std::shared_ptr<const DisplayTrace> display,
                              const DisplayOptions& options) {
    if (display == m_display && options.colormap == m_colormap && options.scale == m_scale) return;
    m_display = std::move(display);
    m_colormap = options.colormap;
    m_scale = options.scale;
    const size_t n = m_display && m_display->n_token > 0
                         ? size_t(m_display->n_layer) * m_display->n_head
                         : 0;
    m_targets.resize(n);  // keeps existing targets: same-size ones are reused without realloc
    m_ready.assign(n, 0);
    m_n_ready = 0;
    m_next = 0;
    // About 128 pixels across: crisp cells and visible mask stripes in a thumbnail.
    if (m_display) m_cell_px = HeatmapRenderer::cell_px_for(m_display->n_token, 128, 8);
}

HeatmapStyle HeadTextures::style_of(int layer, int head) const {
    HeatmapStyle s;
    s.colormap = m_colormap;
    s.range = weight_range(m_scale, m_display->max_of(layer, head));
    s.cell_px = m_cell_px;
    return s;
}

int HeadTextures::update(HeatmapRenderer& renderer, size_t budget_texels) {
    if (!m_display || complete()) return 0;
    const int S = m_display->n_token;
    const size_t per_head = size_t(S) * S * m_cell_px * m_cell_px;
    int rendered = 0;
    size_t spent = 0;
    while (m_next < m_ready.size() && (rendered == 0 || spent + per_head <= budget_texels)) {
        const int l = int(m_next / m_display->n_head), h = int(m_next % m_display->n_head);
        m_scratch.resize(m_display->ss());
        apply_mask(m_scratch, m_display->weights_of(l, h), m_display->mask);
        renderer.render(m_targets[m_next], m_scratch, S, S, style_of(l, h));
        m_ready[m_next] = 1;
        ++m_n_ready;
        ++m_next;
        ++rendered;
        spent += per_head;
    }
    return rendered;
}

}  // namespace attnscope::gfx
