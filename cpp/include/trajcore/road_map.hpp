// RoadMap: the lanes and drivable area of a scene, indexed once, queried per candidate step.
//
// Built from plain arrays: lanes (a centreline and left / right boundaries in the driving
// direction, a speed limit, successor lanes) and drivable-area polygons. Without drivable-area
// polygons the drivable area is the union of the lanes' polygons (left boundary, then the right
// boundary reversed). Construction checks the map (finite coordinates, at least two distinct
// points per polyline, simple polygons, successor indices) and throws trajcore::Error naming the
// defect; it then builds a uniform grid over the map (cell_size metres) listing, per cell, the
// drivable-area edges and the polygons whose bounding boxes reach it, and whether a cell without
// edges lies inside or outside the drivable area.
//
// Queries (CPU, float32 arrays, any leading dimensions, parallel over items, results independent
// of the thread count):
//   drivable_area_distance(points (..., 2)) -> (...): 0 inside (or on the boundary of) the
//     drivable area, else the Euclidean distance to it. nuPlan's drivable-area compliance fails a
//     corner whose distance is >= 0.3 m.
//   locate_lanes(poses (..., 3) x, y, yaw) -> per pose:
//     lane        (...) int32: the lane whose polygon contains the position, the one whose
//                 centreline heading at the projection is closest to yaw (then the smaller |d|);
//                 -1 when no lane contains it;
//     lane_count  (...) int32: how many lane polygons contain the position;
//     station     (..., 2) float32: s (arc length along that lane's centreline polyline, m) and
//                 d (signed offset, left positive) of the projection on it; NaN without a lane;
//     speed_limit (...) float32: that lane's speed limit (m/s), NaN without a lane or limit.
// All internal arithmetic is double.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "trajcore/tensor.hpp"

namespace trajcore {

struct LaneSpec {
  TensorView<const double> centerline;  // (P, 2), in the driving direction
  TensorView<const double> left;        // (L, 2) left boundary, in the driving direction
  TensorView<const double> right;       // (R, 2) right boundary, in the driving direction
  double speed_limit = std::numeric_limits<double>::quiet_NaN();  // m/s (> 0), NaN: unknown
  std::vector<int32_t> successors;                                // lane indices
  bool in_intersection = false;  // part of an intersection (a connector through it)
};

struct RoadMapSpec {
  std::vector<LaneSpec> lanes;
  std::vector<TensorView<const double>> drivable_areas;  // (V, 2) simple polygons, any winding
  double cell_size = 2.0;  // grid cell (m, > 0): smaller is faster to query, larger to build
};

struct LaneQueryOutputs {
  TensorView<int32_t> lane;
  TensorView<int32_t> lane_count;
  TensorView<float> station;
  TensorView<float> speed_limit;
};

class RoadMap {
 public:
  explicit RoadMap(const RoadMapSpec& spec);

  int64_t lane_count() const { return static_cast<int64_t>(lanes_.size()); }
  double speed_limit(int64_t lane) const;
  const std::vector<int32_t>& successors(int64_t lane) const;
  const std::vector<int32_t>& predecessors(int64_t lane) const;  // the lanes leading into it
  // Arc length of a lane's centreline (m).
  double lane_length(int64_t lane) const;
  bool in_intersection(int64_t lane) const;
  // Whether the drivable area is the union of the lanes (no drivable-area polygons were given).
  bool drivable_area_is_lanes() const { return drivable_is_lanes_; }

  void drivable_area_distance(TensorView<const float> points, TensorView<float> out) const;
  void locate_lanes(TensorView<const float> poses, const LaneQueryOutputs& out) const;

  // Single queries (the batched ones call these).
  double drivable_area_distance(double x, double y) const;
  // Whether drivable_area_distance(x, y) <= tolerance, searching no farther than needed.
  bool near_drivable_area(double x, double y, double tolerance) const;
  struct LaneLocation {
    int32_t lane = -1;
    int32_t lane_count = 0;
    double s = std::numeric_limits<double>::quiet_NaN();
    double d = std::numeric_limits<double>::quiet_NaN();
  };
  LaneLocation locate_lane(double x, double y, double yaw) const;
  // The lanes whose polygons contain (x, y), in increasing index order: writes at most
  // `capacity` of them to `lanes` and returns how many there are.
  int32_t lanes_containing(double x, double y, int32_t* lanes, int32_t capacity) const;
  // Whether a lane's polygon and the convex polygon `xy` (n vertices, in order) share a point,
  // boundaries included (shapely's intersects).
  bool lane_meets_convex(int64_t lane, const double* xy, int n) const;

 private:
  struct Polyline {
    std::vector<double> x, y, s;  // s: cumulative arc length
  };
  struct Polygon {
    std::vector<double> x, y;
    double min_x, min_y, max_x, max_y;
  };
  struct Lane {
    Polyline centerline;
    Polygon polygon;
    double speed_limit;
    std::vector<int32_t> successors, predecessors;
    bool in_intersection;
  };
  struct Edge {
    double ax, ay, bx, by;
  };
  // Compressed per-cell lists: items of cell c are items[begin[c] .. begin[c + 1]).
  struct CellLists {
    std::vector<int64_t> begin;
    std::vector<int32_t> items;
  };
  enum class CellState : uint8_t { kBoundary, kInside, kOutside };

  int64_t cell_of(double x, double y) const {  // -1 outside the grid
    const double fx = (x - origin_x_) * inverse_cell_, fy = (y - origin_y_) * inverse_cell_;
    if (!(fx >= 0 && fy >= 0 && fx < static_cast<double>(nx_) && fy < static_cast<double>(ny_))) {
      return -1;
    }
    return static_cast<int64_t>(fy) * nx_ + static_cast<int64_t>(fx);
  }
  bool inside_drivable(double x, double y, int64_t cell) const;
  // The distance to the nearest drivable-area edge. With `limit`, the search answers only
  // whether it is within `limit`: it returns some distance <= limit as soon as it finds one, and
  // infinity once no edge can be that near.
  double nearest_edge_distance(double x, double y,
                               double limit = std::numeric_limits<double>::infinity()) const;

  std::vector<Lane> lanes_;
  std::vector<Polygon> drivable_;
  std::vector<Edge> edges_;
  double origin_x_ = 0, origin_y_ = 0, cell_ = 2.0, inverse_cell_ = 0.5;
  bool drivable_is_lanes_ = false;
  int64_t nx_ = 0, ny_ = 0;
  CellLists cell_edges_;
  std::vector<CellState> cell_state_;
  // Point-in-polygon indexes of the drivable-area and lane polygons (cpp/src/polygon_grid.hpp).
  struct Index;
  std::shared_ptr<const Index> index_;
};

}  // namespace trajcore
