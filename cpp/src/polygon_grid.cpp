#include "polygon_grid.hpp"

#include <algorithm>
#include <cmath>

#include "segment_clip.hpp"

namespace trajcore::detail {

void PolygonGrid::build(const GridGeometry& grid, const std::vector<PolygonView>& polygons) {
  grid_ = grid;
  const int64_t cells = grid.nx * grid.ny;
  auto clamp_index = [](double v, int64_t n) {
    return std::clamp<int64_t>(static_cast<int64_t>(std::floor(v)), 0, n - 1);
  };
  // Per polygon: its edges by cell (cells an edge's box reaches), then one entry per cell of the
  // polygon's box that an edge reaches or whose centre it contains.
  std::vector<std::vector<Entry>> per_cell(static_cast<size_t>(cells));
  std::vector<std::vector<Edge>> local(static_cast<size_t>(cells));
  std::vector<int64_t> touched;
  for (size_t p = 0; p < polygons.size(); ++p) {
    const PolygonView& poly = polygons[p];
    touched.clear();
    for (int64_t i = 0; i < poly.vertices; ++i) {
      const int64_t j = (i + 1) % poly.vertices;
      const Edge e{poly.x[i], poly.y[i], poly.x[j], poly.y[j]};
      const int64_t i0 = clamp_index((std::min(e.ax, e.bx) - grid.origin_x) / grid.cell, grid.nx);
      const int64_t i1 = clamp_index((std::max(e.ax, e.bx) - grid.origin_x) / grid.cell, grid.nx);
      const int64_t j0 = clamp_index((std::min(e.ay, e.by) - grid.origin_y) / grid.cell, grid.ny);
      const int64_t j1 = clamp_index((std::max(e.ay, e.by) - grid.origin_y) / grid.cell, grid.ny);
      // The cells the edge really passes through (a small margin keeps edges on cell borders
      // in both neighbours).
      const double margin = 1e-9 * grid.cell;
      for (int64_t cj = j0; cj <= j1; ++cj) {
        for (int64_t ci = i0; ci <= i1; ++ci) {
          const double x0 = grid.origin_x + double(ci) * grid.cell - margin;
          const double y0 = grid.origin_y + double(cj) * grid.cell - margin;
          if (!segment_meets_box(e.ax, e.ay, e.bx, e.by, x0, y0, x0 + grid.cell + 2 * margin,
                                 y0 + grid.cell + 2 * margin)) {
            continue;
          }
          const int64_t c = cj * grid.nx + ci;
          if (local[c].empty()) touched.push_back(c);
          local[c].push_back(e);
        }
      }
    }
    const int64_t i0 = clamp_index((poly.min_x - grid.origin_x) / grid.cell, grid.nx);
    const int64_t i1 = clamp_index((poly.max_x - grid.origin_x) / grid.cell, grid.nx);
    const int64_t j0 = clamp_index((poly.min_y - grid.origin_y) / grid.cell, grid.ny);
    const int64_t j1 = clamp_index((poly.max_y - grid.origin_y) / grid.cell, grid.ny);
    for (int64_t cj = j0; cj <= j1; ++cj) {
      for (int64_t ci = i0; ci <= i1; ++ci) {
        const int64_t c = cj * grid.nx + ci;
        // Crossings from a point outside the polygon's box to the cell's reference point.
        const double fx = poly.min_x - 1.2345, fy = poly.min_y - 2.3456;
        const double rx = reference_x(c), ry = reference_y(c);
        bool centre = false;
        for (int64_t i = 0; i < poly.vertices; ++i) {
          const int64_t j = (i + 1) % poly.vertices;
          centre ^= crosses(Edge{poly.x[i], poly.y[i], poly.x[j], poly.y[j]}, fx, fy, rx, ry);
        }
        if (local[c].empty() && !centre) continue;  // neither crossed nor covered
        per_cell[c].push_back(Entry{static_cast<int32_t>(p), centre,
                                    static_cast<int32_t>(local[c].size()),
                                    static_cast<int64_t>(edges_.size())});
        for (const Edge& e : local[c]) {
          edges_.push_back(LocalEdge{e.ax, e.ay, e.bx, e.by, side(e.ax, e.ay, e.bx, e.by, rx, ry)});
        }
      }
    }
    for (int64_t c : touched) local[c].clear();
  }
  begin_.assign(static_cast<size_t>(cells + 1), 0);
  for (int64_t c = 0; c < cells; ++c) begin_[c + 1] = begin_[c] + int64_t(per_cell[c].size());
  entries_.clear();
  entries_.reserve(static_cast<size_t>(begin_[cells]));
  for (auto& list : per_cell) entries_.insert(entries_.end(), list.begin(), list.end());
}

}  // namespace trajcore::detail
