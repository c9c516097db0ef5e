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

// atan of x >= 0 (inf gives pi/2): Cephes' single-precision reduction and polynomial, within a
// few ulp, without branches.
TRAJCORE_HD float atan_nonneg(float x) {
  const bool big = x > 2.414213562373095f;   // tan(3 pi / 8)
  const bool mid = x > 0.4142135623730950f;  // tan(pi / 8)
  const float reduced = big ? -1.f / x : (mid ? (x - 1.f) / (x + 1.f) : x);
  const float offset = big ? 1.57079632679489662f : (mid ? 0.785398163397448310f : 0.f);
  const float z = reduced * reduced;
  const float p = ((8.05374449538e-2f * z - 1.38776856032e-1f) * z + 1.99777106478e-1f) * z -
                  3.33329491539e-1f;
  return offset + (p * z * reduced + reduced);
}
TRAJCORE_HD double atan_nonneg(double x) { return std::atan(x); }

TRAJCORE_HD float sqrt_r(float x) { return std::sqrt(x); }
TRAJCORE_HD double sqrt_r(double x) { return std::sqrt(x); }
TRAJCORE_HD float floor_r(float x) { return std::floor(x); }
TRAJCORE_HD double floor_r(double x) { return std::floor(x); }

template <class R>
TRAJCORE_HD R clamp_r(R x, R lo, R hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

}  // namespace trajcore::detail
