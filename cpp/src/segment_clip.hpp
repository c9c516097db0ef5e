// Whether a segment meets an axis-aligned rectangle (Liang-Barsky clipping, boundary included).
#pragma once

#include <algorithm>

namespace trajcore::detail {

inline bool segment_meets_box(double ax, double ay, double bx, double by, double x0, double y0,
                              double x1, double y1) {
  double t0 = 0, t1 = 1;
  const double dx = bx - ax, dy = by - ay;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {ax - x0, x1 - ax, ay - y0, y1 - ay};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
      continue;
    }
    const double r = q[i] / p[i];
    if (p[i] < 0) {
      t0 = std::max(t0, r);
    } else {
      t1 = std::min(t1, r);
    }
    if (t0 > t1) return false;
  }
  return true;
}

}  // namespace trajcore::detail
