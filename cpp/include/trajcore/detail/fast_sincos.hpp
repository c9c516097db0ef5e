// sin and cos of a heading, in branch-free float arithmetic the CPU vectorises, identical on
// host and device.
//
// Reduction by pi/2 in three parts (the first two products exact for |x| <= kFastSincosLimit),
// then minimax polynomials on [-pi/4, pi/4] (the classic Cephes single-precision coefficients):
// within 2 ulp of the correctly rounded result over the fast range. Larger |x| (a heading of
// over a thousand turns) takes the libm path, which is exact but not vectorised.
#pragma once

#include <cmath>

#include "trajcore/detail/hd.hpp"

namespace trajcore::detail {

inline constexpr float kFastSincosLimit = 8192.f;

TRAJCORE_HD void fast_sincos(float x, float* s_out, float* c_out) {
  const float kTwoOverPi = 0.636619772367581343f;
  const float kRound = 12582912.f;  // 1.5 * 2^23: adding it rounds to an integer
  const float j = (x * kTwoOverPi + kRound) - kRound;
  const float r = ((x - j * 1.5703125f) - j * 4.837512969970703125e-4f) - j * 7.54978995489188216e-8f;
  const float r2 = r * r;
  const float s = r + r * r2 * (-1.6666654611e-1f + r2 * (8.3321608736e-3f + r2 * -1.9515295891e-4f));
  const float c = 1.f - 0.5f * r2 +
                  r2 * r2 * (4.166664568298827e-2f + r2 * (-1.388731625493765e-3f + r2 * 2.443315711809948e-5f));
  const int q = static_cast<int>(j) & 3;  // quadrant: rotate (c, s) by q * 90 degrees
  const float sq = (q & 1) ? c : s;
  const float cq = (q & 1) ? s : c;
  *s_out = (q & 2) ? -sq : sq;
  *c_out = ((q + 1) & 2) ? -cq : cq;
}

// fast_sincos where it is accurate, libm beyond.
TRAJCORE_HD void sincos_heading(float x, float* s, float* c) {
  if (fabsf(x) <= kFastSincosLimit) {
    fast_sincos(x, s, c);
  } else {
#if defined(__CUDA_ARCH__)
    sincosf(x, s, c);
#else
    *s = std::sin(x);
    *c = std::cos(x);
#endif
  }
}

// sin and cos of n headings: one loop the CPU vectorises, then libm only if a heading is beyond
// the fast range (rare). yaw may alias neither s nor c.
TRAJCORE_HD void sincos_headings(const float* yaw, long n, float* s, float* c) {
  int far = 0;
  for (long i = 0; i < n; ++i) {
    fast_sincos(yaw[i], &s[i], &c[i]);
    far |= fabsf(yaw[i]) > kFastSincosLimit;
  }
  if (far) {
    for (long i = 0; i < n; ++i) sincos_heading(yaw[i], &s[i], &c[i]);
  }
}

}  // namespace trajcore::detail
