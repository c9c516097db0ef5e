// The few math functions the vehicle models need, overloaded by precision so one template
// serves the float fast path (branch-free polynomials the CPU vectorises), the double path and
// the dual numbers of the exact backward (cpp/src/dual.hpp adds those overloads).
#pragma once

#include <cmath>

#include "trajcore/detail/fast_sincos.hpp"
#include "trajcore/detail/hd.hpp"

namespace trajcore::detail {

// For arguments within kFastSincosLimit (wrapped headings, step increments, steering angles).
TRAJCORE_HD void sincos_r(float x, float* s, float* c) { fast_sincos(x, s, c); }
TRAJCORE_HD void sincos_r(double x, double* s, double* c) {
  *s = std::sin(x);
  *c = std::cos(x);
}

// atan(num / den) for num > 0, den > 0: Cephes' single-precision reduction and polynomial,
// within a few ulp, without branches and with one division (the reduction's and the ratio's).
TRAJCORE_HD float atan_ratio(float num, float den) {
  const bool big = num > 2.414213562373095f * den;   // ratio above tan(3 pi / 8)
  const bool mid = num > 0.4142135623730950f * den;  // ratio above tan(pi / 8)
  const float reduced =
      (big ? -den : (mid ? num - den : num)) / (big ? num : (mid ? num + den : den));
  const float offset = big ? 1.57079632679489662f : (mid ? 0.785398163397448310f : 0.f);
  const float z = reduced * reduced;
  const float p =
      ((8.05374449538e-2f * z - 1.38776856032e-1f) * z + 1.99777106478e-1f) * z - 3.33329491539e-1f;
  return offset + (p * z * reduced + reduced);
}
TRAJCORE_HD double atan_ratio(double num, double den) { return std::atan(num / den); }

TRAJCORE_HD float sqrt_r(float x) { return std::sqrt(x); }
TRAJCORE_HD double sqrt_r(double x) { return std::sqrt(x); }
TRAJCORE_HD float floor_r(float x) { return std::floor(x); }
TRAJCORE_HD double floor_r(double x) { return std::floor(x); }
TRAJCORE_HD double remainder_r(double x, double y) { return std::remainder(x, y); }

template <class R>
TRAJCORE_HD R clamp_r(R x, R lo, R hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

}  // namespace trajcore::detail
