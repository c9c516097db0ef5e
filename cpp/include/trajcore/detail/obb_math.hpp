// Per-pair oriented-box formulas shared by the CPU and CUDA backends (Eigen-free on purpose:
// nvcc compiles this header).
//
// Precision: every pair is evaluated relative to box a's centre, so float32 rounding scales with
// the boxes' separation and size, not with their distance from the world origin.
#pragma once

#include <cmath>

#include "trajcore/detail/fast_sincos.hpp"
#include "trajcore/detail/hd.hpp"

namespace trajcore::detail {

// A box as centre, unit heading (c, s) and half extents.
struct Obb {
  float x, y, c, s, hl, hw;
};

// From the heading's sine and cosine (computed apart so the CPU can vectorise that step).
TRAJCORE_HD Obb make_obb(float x, float y, float s, float c, float length, float width) {
  return Obb{x, y, c, s, 0.5f * length, 0.5f * width};
}

TRAJCORE_HD Obb make_obb(const float* box) {
  float s, c;
  sincos_heading(box[2], &s, &c);
  return make_obb(box[0], box[1], s, c, box[3], box[4]);
}

// Corner k (0 front-left, 1 rear-left, 2 rear-right, 3 front-right) of b.
TRAJCORE_HD void obb_corner(const Obb& b, int k, float* xy) {
  const float sl = (k == 0 || k == 3) ? b.hl : -b.hl;
  const float sw = (k == 0 || k == 1) ? b.hw : -b.hw;
  xy[0] = b.x + sl * b.c - sw * b.s;
  xy[1] = b.y + sl * b.s + sw * b.c;
}

// Smallest overlap of the two boxes' projections over the four separating axes (the boxes'
// edge normals). >= 0: the boxes overlap (touching included) and it is the penetration depth;
// < 0: an axis separates them by at least -value.
TRAJCORE_HD float obb_min_axis_overlap(const Obb& a, const Obb& b) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  // Relative rotation: b's axes expressed in a's frame.
  const float cc = fabsf(a.c * b.c + a.s * b.s);  // |cos(yaw_b - yaw_a)|
  const float ss = fabsf(a.c * b.s - a.s * b.c);  // |sin(yaw_b - yaw_a)|
  // Along a's axes.
  const float d_ax = fabsf(dx * a.c + dy * a.s);
  const float d_ay = fabsf(-dx * a.s + dy * a.c);
  const float o1 = a.hl + b.hl * cc + b.hw * ss - d_ax;
  const float o2 = a.hw + b.hl * ss + b.hw * cc - d_ay;
  // Along b's axes.
  const float d_bx = fabsf(dx * b.c + dy * b.s);
  const float d_by = fabsf(-dx * b.s + dy * b.c);
  const float o3 = b.hl + a.hl * cc + a.hw * ss - d_bx;
  const float o4 = b.hw + a.hl * ss + a.hw * cc - d_by;
  return min_f(min_f(o1, o2), min_f(o3, o4));
}

// Squared distance from point (px, py), in a rectangle's frame, to that rectangle.
TRAJCORE_HD float point_rect_dist2(float px, float py, float hl, float hw) {
  const float ex = max_f(fabsf(px) - hl, 0.f);
  const float ey = max_f(fabsf(py) - hw, 0.f);
  return ex * ex + ey * ey;
}

// Squared distance from the corners of `from` to the rectangle `to`, minimised over the corners.
// (dx, dy) = to.centre - from.centre, passed so both directions share one subtraction.
TRAJCORE_HD float min_corner_dist2(const Obb& from, const Obb& to, float dx, float dy) {
  // Work in `to`'s frame: corner - to.centre = R_from * (+-hl, +-hw) - (dx, dy).
  const float cc = from.c * to.c + from.s * to.s;  // from's axes in to's frame
  const float sc = from.s * to.c - from.c * to.s;
  const float ox = -(dx * to.c + dy * to.s);  // from.centre in to's frame
  const float oy = -(-dx * to.s + dy * to.c);
  const float lx = from.hl * cc, ly = from.hl * sc;    // half-length vector
  const float wx = -from.hw * sc, wy = from.hw * cc;   // half-width vector
  // Written out corner by corner: straight-line code the CPU vectorises across pairs.
  const float front_left = point_rect_dist2(ox + lx + wx, oy + ly + wy, to.hl, to.hw);
  const float rear_left = point_rect_dist2(ox - lx + wx, oy - ly + wy, to.hl, to.hw);
  const float rear_right = point_rect_dist2(ox - lx - wx, oy - ly - wy, to.hl, to.hw);
  const float front_right = point_rect_dist2(ox + lx - wx, oy + ly - wy, to.hl, to.hw);
  return min_f(min_f(front_left, rear_left), min_f(rear_right, front_right));
}

TRAJCORE_HD bool obb_overlap(const Obb& a, const Obb& b) {
  return obb_min_axis_overlap(a, b) >= 0.f;
}

// Signed distance: gap when apart, 0 when touching, -penetration depth when overlapping.
// Branch-free (both cases are computed) so the CPU vectorises it and GPU warps do not diverge.
// `overlap` is obb_min_axis_overlap(a, b), for callers that have it already.
TRAJCORE_HD float obb_distance_from_overlap(const Obb& a, const Obb& b, float overlap) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  // Two disjoint convex polygons are closest at a vertex of one of them.
  const float d2 = min_f(min_corner_dist2(a, b, dx, dy), min_corner_dist2(b, a, -dx, -dy));
  // The separating axis's gap is a lower bound of the distance: keeps the result > 0 (and so
  // consistent with obb_overlap) where rounding would make the corner distance 0.
  const float gap = max_f(sqrtf(d2), -overlap);
  return overlap >= 0.f ? 0.f - overlap : gap;  // 0 - 0 is +0: touching gives +0
}

TRAJCORE_HD float obb_distance(const Obb& a, const Obb& b) {
  return obb_distance_from_overlap(a, b, obb_min_axis_overlap(a, b));
}

}  // namespace trajcore::detail
