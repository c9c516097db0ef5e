// Point-in-polygon queries for many polygons on a uniform grid, in time proportional to the
// polygon edges near the point rather than to the polygons' sizes.
//
// Per cell, each polygon that reaches it is listed (in increasing polygon order) either as
// covering the cell (no edge of it crosses the cell, the cell's reference point is inside) or
// with its edges that reach the cell and whether the reference point is inside. A point of the
// cell is inside a listed polygon when the reference point is and the segment from it to the point
// crosses the polygon's local edges an even number of times, or it is not and the segment crosses
// an odd number. The reference point's own status is counted the same way, by crossings from a
// point outside the polygon, so that one crossing rule (half-open: a point on an edge's line
// counts as on its left) decides everything consistently; points on a boundary may go either way.
#pragma once

#include <cstdint>
#include <vector>

namespace trajcore::detail {

struct GridGeometry {
  double origin_x = 0, origin_y = 0, cell = 1;
  int64_t nx = 0, ny = 0;
};

struct PolygonView {
  const double* x;
  const double* y;
  int64_t vertices;
  double min_x, min_y, max_x, max_y;
};

class PolygonGrid {
 public:
  void build(const GridGeometry& grid, const std::vector<PolygonView>& polygons);

  // Calls visit(polygon) for every polygon containing (x, y) of `cell`, in increasing order;
  // stops early when visit returns false.
  template <class Visit>
  void containing(int64_t cell, double x, double y, Visit&& visit) const {
    if (cell < 0) return;
    // The reference point costs integer divisions: computed once some edge needs it.
    double cx = 0, cy = 0;
    bool have_reference = false;
    for (int64_t e = begin_[cell]; e < begin_[cell + 1]; ++e) {
      const Entry& entry = entries_[e];
      bool inside = entry.centre_inside;
      for (int32_t k = 0; k < entry.edge_count; ++k) {
        const LocalEdge& edge = edges_[entry.edge_begin + k];
        // The segment can only cross the edge if its ends lie on opposite sides of the edge's
        // line; the reference point's side was stored when the grid was built.
        if (side(edge.ax, edge.ay, edge.bx, edge.by, x, y) == edge.reference_left) continue;
        if (!have_reference) {
          cx = reference_x(cell);
          cy = reference_y(cell);
          have_reference = true;
        }
        if (side(cx, cy, x, y, edge.ax, edge.ay) != side(cx, cy, x, y, edge.bx, edge.by)) {
          inside = !inside;
        }
      }
      if (inside && !visit(entry.polygon)) return;
    }
  }

  // Whether some listed polygon of `cell` reaches it at all.
  bool empty(int64_t cell) const { return begin_[cell] == begin_[cell + 1]; }

 private:
  struct Entry {
    int32_t polygon;
    bool centre_inside;  // the cell's reference point
    int32_t edge_count;
    int64_t edge_begin;
  };
  struct Edge {
    double ax, ay, bx, by;
  };
  // An edge listed in a cell, with the side of its line that the cell's reference point is on.
  struct LocalEdge {
    double ax, ay, bx, by;
    bool reference_left;
  };

  // Whether (x, y) is on the left of the line from a to b, or on it.
  static bool side(double ax, double ay, double bx, double by, double x, double y) {
    return (bx - ax) * (y - ay) - (by - ay) * (x - ax) >= 0;
  }

  // A point inside the cell, off its centre so that it rarely sits on the edges of maps drawn on
  // round coordinates.
  double reference_x(int64_t cell) const {
    return grid_.origin_x + (double(cell % grid_.nx) + 0.5123456789) * grid_.cell;
  }
  double reference_y(int64_t cell) const {
    return grid_.origin_y + (double(cell / grid_.nx) + 0.4876543211) * grid_.cell;
  }

  // Whether edge e crosses the segment from (px, py) to (qx, qy), half-open at the edge's and the
  // segment's end points (orientation 0 counts as positive), so shared vertices count once.
  static bool crosses(const Edge& e, double px, double py, double qx, double qy) {
    return side(px, py, qx, qy, e.ax, e.ay) != side(px, py, qx, qy, e.bx, e.by) &&
           side(e.ax, e.ay, e.bx, e.by, px, py) != side(e.ax, e.ay, e.bx, e.by, qx, qy);
  }

  GridGeometry grid_;
  std::vector<int64_t> begin_;  // entries of cell c: [begin_[c], begin_[c + 1])
  std::vector<Entry> entries_;
  std::vector<LocalEdge> edges_;
};

}  // namespace trajcore::detail
