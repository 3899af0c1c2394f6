#include "head_textures.h"

namespace attnscope::gfx {

void HeadTextures::set_source(std::shared_ptr<const DisplayTrace> display,
                              const DisplayOptions& options) {
    const bool new_values = display != m_display;
    const bool new_colours = options.colormap != m_colormap || options.scale != m_scale;
    if (!new_values && !new_colours) return;
    m_display = std::move(display);
    m_colormap = options.colormap;
    m_scale = options.scale;
    const size_t n =
        m_display && m_display->n_token > 0 ? size_t(m_display->n_layer) * m_display->n_head : 0;
    if (new_values) {
        m_uploaded.assign(n, 0);
        m_n_uploaded = 0;
        m_supported =
            n == 0 || m_values.ensure_size(m_display->n_token, m_display->n_token, int(n));
    }
    m_drawn.assign(n, 0);
    m_n_drawn = 0;
    if (n > 0) {
        std::vector<float> ranges(2 * n);
        for (size_t i = 0; i < n; ++i) {
            const ValueRange r = weight_range(m_scale, m_display->head_max[i]);
            ranges[2 * i] = r.lo;
            ranges[2 * i + 1] = r.hi;
        }
        m_ranges.upload_rg32f(m_display->n_head, m_display->n_layer, ranges.data());
    }
}

void HeadTextures::update(HeatmapRenderer& renderer, size_t budget_values, int thumb_px) {
    if (!m_display || m_drawn.empty() || !m_supported || thumb_px <= 0) return;
    if (thumb_px != m_thumb_px) {
        m_thumb_px = thumb_px;
        m_atlas.ensure_size(m_display->n_head * thumb_px, m_display->n_layer * thumb_px, false);
        std::fill(m_drawn.begin(), m_drawn.end(), 0);
        m_n_drawn = 0;
    }
    // Upload first, then draw: changing a texture the GPU is still reading forces a flush.
    size_t spent = 0;
    for (size_t i = 0;
         i < m_uploaded.size() && (spent == 0 || spent + m_display->ss() <= budget_values); ++i) {
        if (m_uploaded[i]) continue;
        const int l = int(i / m_display->n_head), h = int(i % m_display->n_head);
        m_scratch.resize(m_display->ss());
        apply_mask(m_scratch, m_display->weights_of(l, h), m_display->mask);
        m_values.upload_layer(int(i), m_scratch.data());
        m_uploaded[i] = 1;
        ++m_n_uploaded;
        spent += m_display->ss();
    }
    std::vector<int> tiles;
    for (size_t i = 0; i < m_drawn.size(); ++i)
        if (m_uploaded[i] && !m_drawn[i]) tiles.push_back(int(i));
    renderer.render_grid_tiles(m_atlas, m_values, m_ranges, tiles,
                               {m_colormap, m_display->n_head, m_display->n_token, thumb_px});
    for (int i : tiles) m_drawn[size_t(i)] = 1;
    m_n_drawn += tiles.size();
}

ImVec2 HeadTextures::uv_min(int layer, int head) const {
    return ImVec2(float(head) / float(m_display->n_head), float(layer) / float(m_display->n_layer));
}

ImVec2 HeadTextures::uv_max(int layer, int head) const {
    return ImVec2(float(head + 1) / float(m_display->n_head),
                  float(layer + 1) / float(m_display->n_layer));
}

HeatmapStyle HeadTextures::style_of(int layer, int head) const {
    HeatmapStyle s;
    s.colormap = m_colormap;
    s.range = weight_range(m_scale, m_display->max_of(layer, head));
    s.cell_px = m_thumb_px;
    return s;
}

}  // namespace attnscope::gfx
