// Continuous contact test of two boxes over one time step, shared by the CPU and CUDA backends.
//
// Motion model between consecutive poses: centres move linearly and headings turn linearly by
// the wrapped heading change. A box turning by at most |dyaw| about its centre stays inside the
// box of its start heading grown by |dyaw| * half-diagonal on every side (a point at radius r
// moves by at most |dyaw| * r), so each object is replaced by that grown, non-rotating box. Two
// translating boxes touch at some instant iff the relative centre's segment meets their
// Minkowski sum, a convex polygon whose edge normals are the four box axes: with the segment's
// own normal those five axes decide it exactly (separating axis theorem).
#pragma once

#include <cmath>

#include "trajcore/detail/hd.hpp"
#include "trajcore/detail/obb_math.hpp"

namespace trajcore::detail {

// How much a box of half extents (hl, hw) is grown to cover a turn of `dyaw` (wrapped, rad).
TRAJCORE_HD float turn_growth(float dyaw, float hl, float hw) {
  return fabsf(dyaw) * sqrtf(hl * hl + hw * hw);
}

// Overlap along one axis of the segment d0 -> d1 (relative centres) with [-h, h]:
// >= 0 when the axis does not separate them.
TRAJCORE_HD float segment_axis_overlap(float p0, float p1, float h) {
  const float mid = 0.5f * (p0 + p1);
  const float half = 0.5f * fabsf(p1 - p0);
  return h + half - fabsf(mid);
}

// >= 0 iff boxes e and a, moving from their start poses (e0, a0: start centre and heading,
// half extents already grown by turn_growth) to the end centres (ex1, ey1) and (ax1, ay1),
// touch at some instant of the step. The value's magnitude carries no meaning.
TRAJCORE_HD float swept_min_axis_overlap(const Obb& e0, float ex1, float ey1, const Obb& a0,
                                         float ax1, float ay1) {
  const float d0x = a0.x - e0.x, d0y = a0.y - e0.y;
  const float d1x = ax1 - ex1, d1y = ay1 - ey1;
  const float cc = fabsf(e0.c * a0.c + e0.s * a0.s);
  const float ss = fabsf(e0.c * a0.s - e0.s * a0.c);
  // Along e's axes.
  const float o1 = segment_axis_overlap(d0x * e0.c + d0y * e0.s, d1x * e0.c + d1y * e0.s,
                                        e0.hl + a0.hl * cc + a0.hw * ss);
  const float o2 = segment_axis_overlap(-d0x * e0.s + d0y * e0.c, -d1x * e0.s + d1y * e0.c,
                                        e0.hw + a0.hl * ss + a0.hw * cc);
  // Along a's axes.
  const float o3 = segment_axis_overlap(d0x * a0.c + d0y * a0.s, d1x * a0.c + d1y * a0.s,
                                        a0.hl + e0.hl * cc + e0.hw * ss);
  const float o4 = segment_axis_overlap(-d0x * a0.s + d0y * a0.c, -d1x * a0.s + d1y * a0.c,
                                        a0.hw + e0.hl * ss + e0.hw * cc);
  // Along the segment's normal m (not normalised: only the sign is used). The segment projects
  // to one point there; without relative motion m = 0 and the axis separates nothing.
  const float mx = -(d1y - d0y), my = d1x - d0x;
  const float h = e0.hl * fabsf(mx * e0.c + my * e0.s) + e0.hw * fabsf(-mx * e0.s + my * e0.c) +
                  a0.hl * fabsf(mx * a0.c + my * a0.s) + a0.hw * fabsf(-mx * a0.s + my * a0.c);
  const float o5 = h - fabsf(d0x * mx + d0y * my);
  return min_f(min_f(min_f(o1, o2), min_f(o3, o4)), o5);
}

}  // namespace trajcore::detail
