#include "view_svg.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "attnscope/errors.h"
#include "attnscope/svg_export.h"

namespace attnscope::app {

bool view_has_svg(ViewKind view) {
    return view == ViewKind::Heatmap || view == ViewKind::Grid || view == ViewKind::HeadView;
}

std::string view_svg(const SvgRequest& r) {
    if (!r.display) throw InputError("nothing to export yet: no trace is shown");
    const DisplayTrace& d = *r.display;
    switch (r.view) {
        case ViewKind::Heatmap: {
            const SvgMatrix what = r.mode == HeatmapMode::LayerMean    ? SvgMatrix::LayerMean
                                   : r.mode == HeatmapMode::Difference ? SvgMatrix::HeadMinusMean
                                                                       : SvgMatrix::Head;
            return svg_heatmap(d, r.layer, r.head, what, r.options);
        }
        case ViewKind::Grid:
            return svg_head_grid(d, r.options);
        case ViewKind::HeadView: {
            std::vector<uint8_t> heads = r.heads;
            if (heads.size() != size_t(d.n_head)) heads.assign(size_t(d.n_head), 1);
            // The focus is the active token's row, as the head view draws it without hover.
            const int row = r.focus_token >= 0 && r.focus_token < d.n_source_token
                                ? d.display_index[size_t(r.focus_token)]
                                : -1;
            return svg_head_view(d, r.layer, heads, row, -1, head_view_min_weight(row >= 0),
                                 k_head_view_max_lines);
        }
        default:
            throw InputError(std::string("the ") + view_title(r.view) +
                             " view has no SVG form: export it as PNG (SVG is available for the "
                             "heatmap, the model grid and the head view)");
    }
}

size_t save_view_svg(const SvgRequest& request, const std::filesystem::path& path) {
    const std::string svg = view_svg(request);
    std::filesystem::path tmp = path;
    tmp += ".part";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
    out.write(svg.data(), std::streamsize(svg.size()));
    out.close();
    std::error_code ec;
    if (!out) {
        std::filesystem::remove(tmp, ec);
        throw Error("cannot write " + path.string() + " (disk full?)");
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw Error("cannot write " + path.string() + ": " + ec.message());
    }
    return svg.size();
}

}  // namespace attnscope::app
