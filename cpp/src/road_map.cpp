// RoadMap: map checks, the uniform grid, and the drivable-area and lane queries.
#include "trajcore/road_map.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "parallel.hpp"
#include "polygon_grid.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {

struct RoadMap::Index {
  detail::PolygonGrid drivable, lanes;
};

namespace {

constexpr double kDuplicate = 1e-6;  // consecutive vertices closer than this are one (m)
constexpr int64_t kQueryGrain = 256;
constexpr int64_t kMaxCells = int64_t(1) << 24;
constexpr double kTwoPi = 6.28318530717958647692;

using Points = std::vector<std::pair<double, double>>;

// Finite (P, 2) points with consecutive duplicates dropped.
Points distinct_points(const TensorView<const double>& v, const std::string& name) {
  if (v.data == nullptr || v.shape.rank() != 2 || v.shape[1] != 2) {
    throw Error(name + " has shape " + v.shape.str() + ", expected (P, 2) = (points, x and y)");
  }
  if (v.device.is_cuda()) throw Error(name + " is on " + v.device.str() + ", expected a CPU array");
  Points out;
  for (int64_t i = 0; i < v.shape[0]; ++i) {
    const double x = v.data[2 * i], y = v.data[2 * i + 1];
    if (!std::isfinite(x) || !std::isfinite(y)) {
      throw Error(name + "[" + std::to_string(i) + "] is (" + detail::value_str(x) + ", " +
                  detail::value_str(y) + "), expected finite coordinates");
    }
    if (!out.empty() && std::hypot(x - out.back().first, y - out.back().second) < kDuplicate) {
      continue;
    }
    out.emplace_back(x, y);
  }
  return out;
}

double cross(double ax, double ay, double bx, double by) { return ax * by - ay * bx; }

// Whether segments p1-p2 and q1-q2 share a point (collinear overlaps included).
bool segments_intersect(double p1x, double p1y, double p2x, double p2y, double q1x, double q1y,
                        double q2x, double q2y) {
  const double d1 = cross(q2x - q1x, q2y - q1y, p1x - q1x, p1y - q1y);
  const double d2 = cross(q2x - q1x, q2y - q1y, p2x - q1x, p2y - q1y);
  const double d3 = cross(p2x - p1x, p2y - p1y, q1x - p1x, q1y - p1y);
  const double d4 = cross(p2x - p1x, p2y - p1y, q2x - p1x, q2y - p1y);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    return true;
  }
  auto on = [](double ax, double ay, double bx, double by, double px, double py, double c) {
    return c == 0 && std::min(ax, bx) <= px && px <= std::max(ax, bx) && std::min(ay, by) <= py &&
           py <= std::max(ay, by);
  };
  return on(q1x, q1y, q2x, q2y, p1x, p1y, d1) || on(q1x, q1y, q2x, q2y, p2x, p2y, d2) ||
         on(p1x, p1y, p2x, p2y, q1x, q1y, d3) || on(p1x, p1y, p2x, p2y, q2x, q2y, d4);
}

double segment_distance(double px, double py, double ax, double ay, double bx, double by) {
  const double dx = bx - ax, dy = by - ay;
  const double len_sq = dx * dx + dy * dy;
  double u = len_sq > 0 ? ((px - ax) * dx + (py - ay) * dy) / len_sq : 0.0;
  u = std::clamp(u, 0.0, 1.0);
  return std::hypot(px - (ax + u * dx), py - (ay + u * dy));
}

// Throws if the closed polygon has fewer than 3 vertices, no area, or two non-adjacent edges
// that meet. O(V^2): maps are checked once.
void check_simple_polygon(const Points& p, const std::string& name) {
  const size_t n = p.size();
  if (n < 3) {
    throw Error(name + " has " + std::to_string(n) +
                " distinct vertices, expected a polygon with at least 3");
  }
  for (size_t i = 0; i < n; ++i) {
    const auto& a1 = p[i];
    const auto& a2 = p[(i + 1) % n];
    for (size_t j = i + 2; j < n; ++j) {
      if (i == 0 && j == n - 1) continue;  // adjacent through the closing edge
      const auto& b1 = p[j];
      const auto& b2 = p[(j + 1) % n];
      if (segments_intersect(a1.first, a1.second, a2.first, a2.second, b1.first, b1.second,
                             b2.first, b2.second)) {
        throw Error(name + " is self-intersecting: edge " + std::to_string(i) + " (from (" +
                    detail::value_str(a1.first) + ", " + detail::value_str(a1.second) +
                    ")) meets edge " + std::to_string(j) + " (from (" +
                    detail::value_str(b1.first) + ", " + detail::value_str(b1.second) +
                    ")), expected a simple polygon");
      }
    }
  }
  double area = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& a = p[i];
    const auto& b = p[(i + 1) % n];
    area += cross(a.first, a.second, b.first, b.second);
  }
  if (std::fabs(area) < 1e-9) throw Error(name + " has zero area, expected a polygon");
}

template <class Polygon>
Polygon make_polygon(const Points& p) {
  Polygon poly;
  poly.min_x = poly.min_y = std::numeric_limits<double>::infinity();
  poly.max_x = poly.max_y = -std::numeric_limits<double>::infinity();
  for (const auto& [x, y] : p) {
    poly.x.push_back(x);
    poly.y.push_back(y);
    poly.min_x = std::min(poly.min_x, x), poly.max_x = std::max(poly.max_x, x);
    poly.min_y = std::min(poly.min_y, y), poly.max_y = std::max(poly.max_y, y);
  }
  return poly;
}

void check_query_output(const Shape& shape, const void* data, const Device& device,
                        const char* name, const Shape& expected) {
  detail::check_output(shape, data, device, name, expected, Device{});
}

}  // namespace

RoadMap::RoadMap(const RoadMapSpec& spec) {
  if (!(spec.cell_size > 0) || !std::isfinite(spec.cell_size)) {
    throw Error("cell_size is " + detail::value_str(spec.cell_size) + ", expected > 0 metres");
  }
  if (spec.lanes.empty() && spec.drivable_areas.empty()) {
    throw Error("the road map has no lanes and no drivable_areas, expected at least one of them");
  }
  cell_ = spec.cell_size;
  drivable_is_lanes_ = spec.drivable_areas.empty();
  const int32_t n_lanes = static_cast<int32_t>(spec.lanes.size());
  std::vector<Points> drivable_points;
  for (int32_t i = 0; i < n_lanes; ++i) {
    const LaneSpec& in = spec.lanes[i];
    const std::string name = "lanes[" + std::to_string(i) + "]";
    const Points center = distinct_points(in.centerline, name + ".centerline");
    if (center.size() < 2) {
      throw Error(name + ".centerline has " + std::to_string(center.size()) +
                  " distinct points, expected at least 2");
    }
    const Points left = distinct_points(in.left, name + ".left");
    const Points right = distinct_points(in.right, name + ".right");
    for (const auto* side : {&left, &right}) {
      if (side->size() < 2) {
        throw Error(name + (side == &left ? ".left" : ".right") + " has " +
                    std::to_string(side->size()) + " distinct points, expected at least 2");
      }
    }
    if (!(std::isnan(in.speed_limit) || (in.speed_limit > 0 && std::isfinite(in.speed_limit)))) {
      throw Error(name + ".speed_limit is " + detail::value_str(in.speed_limit) +
                  ", expected > 0 m/s or NaN (unknown)");
    }
    for (size_t k = 0; k < in.successors.size(); ++k) {
      if (in.successors[k] < 0 || in.successors[k] >= n_lanes) {
        throw Error(name + ".successors[" + std::to_string(k) + "] is " +
                    std::to_string(in.successors[k]) + ", expected a lane index in [0, " +
                    std::to_string(n_lanes) + ")");
      }
    }
    Points outline = left;
    outline.insert(outline.end(), right.rbegin(), right.rend());
    if (std::hypot(outline.back().first - outline.front().first,
                   outline.back().second - outline.front().second) < kDuplicate) {
      outline.pop_back();
    }
    check_simple_polygon(outline, name + " (left boundary, then right boundary reversed)");
    Lane lane;
    for (const auto& [x, y] : center) {
      lane.centerline.s.push_back(
          lane.centerline.x.empty()
              ? 0.0
              : lane.centerline.s.back() +
                    std::hypot(x - lane.centerline.x.back(), y - lane.centerline.y.back()));
      lane.centerline.x.push_back(x);
      lane.centerline.y.push_back(y);
    }
    lane.polygon = make_polygon<Polygon>(outline);
    lane.speed_limit = in.speed_limit;
    lane.successors = in.successors;
    lane.in_intersection = in.in_intersection;
    lanes_.push_back(std::move(lane));
    if (spec.drivable_areas.empty()) drivable_points.push_back(std::move(outline));
  }
  for (int32_t i = 0; i < n_lanes; ++i) {
    for (int32_t next : lanes_[i].successors) lanes_[next].predecessors.push_back(i);
  }
  for (size_t i = 0; i < spec.drivable_areas.size(); ++i) {
    const std::string name = "drivable_areas[" + std::to_string(i) + "]";
    Points p = distinct_points(spec.drivable_areas[i], name);
    if (p.size() > 1 && std::hypot(p.back().first - p.front().first,
                                   p.back().second - p.front().second) < kDuplicate) {
      p.pop_back();  // closed rings repeat the first vertex
    }
    check_simple_polygon(p, name);
    drivable_points.push_back(std::move(p));
  }
  for (const Points& p : drivable_points) {
    drivable_.push_back(make_polygon<Polygon>(p));
    for (size_t i = 0; i < p.size(); ++i) {
      const auto& a = p[i];
      const auto& b = p[(i + 1) % p.size()];
      edges_.push_back(Edge{a.first, a.second, b.first, b.second});
    }
  }

  // The grid covers every polygon, with one cell of margin.
  double min_x = std::numeric_limits<double>::infinity(), min_y = min_x;
  double max_x = -min_x, max_y = -min_x;
  auto grow = [&](const Polygon& p) {
    min_x = std::min(min_x, p.min_x), min_y = std::min(min_y, p.min_y);
    max_x = std::max(max_x, p.max_x), max_y = std::max(max_y, p.max_y);
  };
  for (const Polygon& p : drivable_) grow(p);
  for (const Lane& l : lanes_) grow(l.polygon);
  inverse_cell_ = 1.0 / cell_;
  origin_x_ = min_x - cell_;
  origin_y_ = min_y - cell_;
  nx_ = static_cast<int64_t>(std::ceil((max_x - origin_x_) / cell_)) + 1;
  ny_ = static_cast<int64_t>(std::ceil((max_y - origin_y_) / cell_)) + 1;
  if (nx_ * ny_ > kMaxCells) {
    throw Error("cell_size is " + detail::value_str(cell_) + " m for a map of " +
                detail::value_str(max_x - min_x) + " x " + detail::value_str(max_y - min_y) +
                " m, expected at most " + std::to_string(kMaxCells) + " grid cells");
  }
  const int64_t cells = nx_ * ny_;
  auto clamp_cell = [](double v, int64_t n) {
    return std::clamp<int64_t>(static_cast<int64_t>(std::floor(v)), 0, n - 1);
  };
  // Lists built in two passes (count, then fill) over the cells each box reaches.
  auto build = [&](CellLists* lists, int64_t count, auto&& box_of) {
    lists->begin.assign(static_cast<size_t>(cells + 1), 0);
    for (int pass = 0; pass < 2; ++pass) {
      std::vector<int64_t> fill;
      if (pass == 1) {
        for (int64_t c = 0; c < cells; ++c) lists->begin[c + 1] += lists->begin[c];
        lists->items.resize(static_cast<size_t>(lists->begin[cells]));
        fill.assign(lists->begin.begin(), lists->begin.end() - 1);
      }
      for (int64_t item = 0; item < count; ++item) {
        double bx0, by0, bx1, by1;
        box_of(item, &bx0, &by0, &bx1, &by1);
        const int64_t i0 = clamp_cell((bx0 - origin_x_) / cell_, nx_);
        const int64_t i1 = clamp_cell((bx1 - origin_x_) / cell_, nx_);
        const int64_t j0 = clamp_cell((by0 - origin_y_) / cell_, ny_);
        const int64_t j1 = clamp_cell((by1 - origin_y_) / cell_, ny_);
        for (int64_t j = j0; j <= j1; ++j) {
          for (int64_t i = i0; i <= i1; ++i) {
            const int64_t c = j * nx_ + i;
            if (pass == 0) {
              ++lists->begin[c + 1];
            } else {
              lists->items[fill[c]++] = static_cast<int32_t>(item);
            }
          }
        }
      }
    }
  };
  build(&cell_edges_, static_cast<int64_t>(edges_.size()),
        [&](int64_t e, double* x0, double* y0, double* x1, double* y1) {
          const Edge& g = edges_[e];
          *x0 = std::min(g.ax, g.bx), *x1 = std::max(g.ax, g.bx);
          *y0 = std::min(g.ay, g.by), *y1 = std::max(g.ay, g.by);
        });
  // The polygon indexes, then the cells without edges: wholly inside or outside.
  auto index = std::make_shared<Index>();
  const detail::GridGeometry geometry{origin_x_, origin_y_, cell_, nx_, ny_};
  auto views = [](auto polygon_of, size_t count) {
    std::vector<detail::PolygonView> out;
    for (size_t i = 0; i < count; ++i) {
      const Polygon& p = polygon_of(i);
      out.push_back({p.x.data(), p.y.data(), static_cast<int64_t>(p.x.size()), p.min_x, p.min_y,
                     p.max_x, p.max_y});
    }
    return out;
  };
  index->drivable.build(
      geometry, views([&](size_t i) -> const Polygon& { return drivable_[i]; }, drivable_.size()));
  index->lanes.build(geometry, views([&](size_t i) -> const Polygon& { return lanes_[i].polygon; },
                                     lanes_.size()));
  cell_state_.assign(static_cast<size_t>(cells), CellState::kBoundary);
  for (int64_t c = 0; c < cells; ++c) {
    if (cell_edges_.begin[c + 1] != cell_edges_.begin[c]) continue;
    const double cx = origin_x_ + (static_cast<double>(c % nx_) + 0.5) * cell_;
    const double cy = origin_y_ + (static_cast<double>(c / nx_) + 0.5) * cell_;
    bool inside = false;
    index->drivable.containing(c, cx, cy, [&](int32_t) { return !(inside = true); });
    cell_state_[c] = inside ? CellState::kInside : CellState::kOutside;
  }
  index_ = std::move(index);
}

double RoadMap::speed_limit(int64_t lane) const {
  if (lane < 0 || lane >= lane_count()) {
    throw Error("lane is " + std::to_string(lane) + ", expected an index in [0, " +
                std::to_string(lane_count()) + ")");
  }
  return lanes_[lane].speed_limit;
}

const std::vector<int32_t>& RoadMap::predecessors(int64_t lane) const {
  speed_limit(lane);  // the index check
  return lanes_[lane].predecessors;
}

const std::vector<int32_t>& RoadMap::successors(int64_t lane) const {
  speed_limit(lane);  // the index check
  return lanes_[lane].successors;
}

double RoadMap::lane_length(int64_t lane) const {
  speed_limit(lane);
  return lanes_[lane].centerline.s.back();
}

bool RoadMap::in_intersection(int64_t lane) const {
  speed_limit(lane);
  return lanes_[lane].in_intersection;
}

int32_t RoadMap::lanes_containing(double x, double y, int32_t* lanes, int32_t capacity) const {
  int32_t count = 0;
  index_->lanes.containing(cell_of(x, y), x, y, [&](int32_t id) {
    if (count < capacity) lanes[count] = id;
    ++count;
    return true;
  });
  return count;
}

bool RoadMap::lane_meets_convex(int64_t lane, const double* xy, int n) const {
  if (lane < 0 || lane >= lane_count()) {
    throw Error("lane is " + std::to_string(lane) + ", expected a lane index in [0, " +
                std::to_string(lane_count()) + ")");
  }
  if (n < 3) {
    throw Error("the convex polygon has " + std::to_string(n) + " vertices, expected at least 3");
  }
  const Polygon& poly = lanes_[static_cast<size_t>(lane)].polygon;
  double min_x = xy[0], max_x = xy[0], min_y = xy[1], max_y = xy[1];
  for (int i = 1; i < n; ++i) {
    min_x = std::min(min_x, xy[2 * i]);
    max_x = std::max(max_x, xy[2 * i]);
    min_y = std::min(min_y, xy[2 * i + 1]);
    max_y = std::max(max_y, xy[2 * i + 1]);
  }
  if (max_x < poly.min_x || min_x > poly.max_x || max_y < poly.min_y || min_y > poly.max_y) {
    return false;
  }
  const size_t V = poly.x.size();
  for (size_t i = 0, j = V - 1; i < V; j = i++) {
    for (int a = 0, b = n - 1; a < n; b = a++) {
      if (segments_intersect(poly.x[j], poly.y[j], poly.x[i], poly.y[i], xy[2 * b], xy[2 * b + 1],
                             xy[2 * a], xy[2 * a + 1])) {
        return true;
      }
    }
  }
  // No edges cross: one polygon holds the other, or they are apart. Test one vertex each way.
  bool inside = false;  // the convex polygon's first vertex in the lane (even-odd rule)
  for (size_t i = 0, j = V - 1; i < V; j = i++) {
    if ((poly.y[i] > xy[1]) != (poly.y[j] > xy[1]) &&
        xy[0] <
            poly.x[j] + (xy[1] - poly.y[j]) * (poly.x[i] - poly.x[j]) / (poly.y[i] - poly.y[j])) {
      inside = !inside;
    }
  }
  if (inside) return true;
  double sign = 0;  // the lane's first vertex on the inner side of every convex edge
  for (int a = 0, b = n - 1; a < n; b = a++) {
    const double c = cross(xy[2 * a] - xy[2 * b], xy[2 * a + 1] - xy[2 * b + 1],
                           poly.x[0] - xy[2 * b], poly.y[0] - xy[2 * b + 1]);
    if (c * sign < 0) return false;
    if (c != 0) sign = c;
  }
  return true;
}

bool RoadMap::inside_drivable(double x, double y, int64_t cell) const {
  if (cell < 0) return false;
  if (cell_state_[cell] != CellState::kBoundary) return cell_state_[cell] == CellState::kInside;
  bool inside = false;
  index_->drivable.containing(cell, x, y, [&](int32_t) { return !(inside = true); });
  return inside;
}

double RoadMap::nearest_edge_distance(double x, double y, double limit) const {
  const bool bounded = limit < std::numeric_limits<double>::infinity();
  double best = std::numeric_limits<double>::infinity();
  const int64_t cell = cell_of(x, y);
  if (cell < 0) {  // off the grid: every edge
    for (const Edge& e : edges_)
      best = std::min(best, segment_distance(x, y, e.ax, e.ay, e.bx, e.by));
    return best;
  }
  const int64_t ci = cell % nx_, cj = cell / nx_;
  const int64_t max_ring = std::max({ci, cj, nx_ - 1 - ci, ny_ - 1 - cj});
  for (int64_t ring = 0; ring <= max_ring; ++ring) {
    for (int64_t j = cj - ring; j <= cj + ring; ++j) {
      if (j < 0 || j >= ny_) continue;
      const bool edge_row = j == cj - ring || j == cj + ring;
      for (int64_t i = ci - ring; i <= ci + ring; i += edge_row ? 1 : 2 * ring) {
        if (i >= 0 && i < nx_) {
          const int64_t c = j * nx_ + i;
          for (int64_t k = cell_edges_.begin[c]; k < cell_edges_.begin[c + 1]; ++k) {
            const Edge& e = edges_[cell_edges_.items[k]];
            best = std::min(best, segment_distance(x, y, e.ax, e.ay, e.bx, e.by));
            if (bounded && best <= limit) return best;
          }
        }
        if (ring == 0) break;
      }
    }
    // Edges not yet seen lie in cells at least `ring` whole cells away.
    if (best <= static_cast<double>(ring) * cell_) break;
    if (bounded && static_cast<double>(ring) * cell_ > limit) return best;
  }
  return best;
}

double RoadMap::drivable_area_distance(double x, double y) const {
  if (inside_drivable(x, y, cell_of(x, y))) return 0.0;
  return nearest_edge_distance(x, y);
}

bool RoadMap::near_drivable_area(double x, double y, double tolerance) const {
  if (inside_drivable(x, y, cell_of(x, y))) return true;
  if (!(tolerance > 0)) return false;  // outside, and no tolerance
  return nearest_edge_distance(x, y, tolerance) <= tolerance;
}

RoadMap::LaneLocation RoadMap::locate_lane(double x, double y, double yaw) const {
  LaneLocation best;
  const int64_t cell = cell_of(x, y);
  if (cell < 0) return best;
  double best_turn = std::numeric_limits<double>::infinity();
  index_->lanes.containing(cell, x, y, [&](int32_t id) {
    const Lane& lane = lanes_[id];
    ++best.lane_count;
    // Projection on the centreline polyline: the nearest point of the nearest segment. The
    // heading there is the segment's, or at a vertex the bisector of its two segments.
    const Polyline& c = lane.centerline;
    const size_t segments = c.x.size() - 1;
    double near = std::numeric_limits<double>::infinity(), s = 0, d = 0, u_best = 0;
    size_t seg = 0;
    for (size_t i = 0; i < segments; ++i) {
      const double dx = c.x[i + 1] - c.x[i], dy = c.y[i + 1] - c.y[i];
      const double len = c.s[i + 1] - c.s[i];
      const double u = std::clamp(((x - c.x[i]) * dx + (y - c.y[i]) * dy) / (len * len), 0.0, 1.0);
      const double px = c.x[i] + u * dx, py = c.y[i] + u * dy;
      const double dist = std::hypot(x - px, y - py);
      if (dist < near) {
        near = dist;
        s = c.s[i] + u * len;
        d = (dx * (y - c.y[i]) - dy * (x - c.x[i])) >= 0 ? dist : -dist;
        seg = i;
        u_best = u;
      }
    }
    auto direction = [&c](size_t i, double* ux, double* uy) {
      const double len = c.s[i + 1] - c.s[i];
      *ux = (c.x[i + 1] - c.x[i]) / len;
      *uy = (c.y[i + 1] - c.y[i]) / len;
    };
    double hx, hy;
    direction(seg, &hx, &hy);
    const bool at_end_vertex = u_best == 1.0 && seg + 1 < segments;
    const bool at_start_vertex = u_best == 0.0 && seg > 0;
    if (at_end_vertex || at_start_vertex) {
      double ox, oy;
      direction(at_end_vertex ? seg + 1 : seg - 1, &ox, &oy);
      hx += ox;
      hy += oy;
    }
    const double heading = std::atan2(hy, hx);
    const double turn = std::fabs(std::remainder(yaw - heading, kTwoPi));
    if (turn < best_turn - 1e-12 ||
        (std::fabs(turn - best_turn) <= 1e-12 && std::fabs(d) < std::fabs(best.d))) {
      best_turn = turn;
      best.lane = id;
      best.s = s;
      best.d = d;
    }
    return true;
  });
  return best;
}

void RoadMap::drivable_area_distance(TensorView<const float> points, TensorView<float> out) const {
  detail::check_items(points.shape, points.data, "points", 2, "(x, y)");
  if (points.device.is_cuda())
    throw Error("points is on " + points.device.str() + ", expected a CPU array");
  const Shape lead = points.shape.without_last();
  check_query_output(out.shape, out.data, out.device, "distance", lead);
  const int64_t n = lead.numel();
  for (int64_t i = 0; i < 2 * n; ++i) {
    if (!std::isfinite(points.data[i])) {
      throw Error("points" + detail::index_str(points.shape, i) + " is " +
                  detail::value_str(points.data[i]) + ", expected a finite coordinate");
    }
  }
  detail::parallel_for(n, kQueryGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      out.data[i] =
          static_cast<float>(drivable_area_distance(points.data[2 * i], points.data[2 * i + 1]));
    }
  });
}

void RoadMap::locate_lanes(TensorView<const float> poses, const LaneQueryOutputs& out) const {
  detail::check_items(poses.shape, poses.data, "poses", 3, "(x, y, yaw)");
  if (poses.device.is_cuda())
    throw Error("poses is on " + poses.device.str() + ", expected a CPU array");
  const Shape lead = poses.shape.without_last();
  Shape station = lead;
  station.push_back(2);
  check_query_output(out.lane.shape, out.lane.data, out.lane.device, "lane", lead);
  check_query_output(out.lane_count.shape, out.lane_count.data, out.lane_count.device, "lane_count",
                     lead);
  check_query_output(out.station.shape, out.station.data, out.station.device, "station", station);
  check_query_output(out.speed_limit.shape, out.speed_limit.data, out.speed_limit.device,
                     "speed_limit", lead);
  const int64_t n = lead.numel();
  for (int64_t i = 0; i < 3 * n; ++i) {
    if (!std::isfinite(poses.data[i])) {
      throw Error("poses" + detail::index_str(poses.shape, i) + " is " +
                  detail::value_str(poses.data[i]) + ", expected a finite value");
    }
  }
  detail::parallel_for(n, kQueryGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float* p = poses.data + 3 * i;
      const LaneLocation loc = locate_lane(p[0], p[1], p[2]);
      out.lane.data[i] = loc.lane;
      out.lane_count.data[i] = loc.lane_count;
      out.station.data[2 * i] = static_cast<float>(loc.s);
      out.station.data[2 * i + 1] = static_cast<float>(loc.d);
      out.speed_limit.data[i] = static_cast<float>(
          loc.lane < 0 ? std::numeric_limits<double>::quiet_NaN() : lanes_[loc.lane].speed_limit);
    }
  });
}

}  // namespace trajcore
