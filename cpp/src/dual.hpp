// Forward-mode dual numbers: a value and its derivatives along N seed directions. The backward of
// the rollout evaluates the very step template of the forward with them, so the Jacobian of each
// step is exact (to double rounding) and cannot drift from the model.
#pragma once

#include <cmath>

namespace trajcore::detail {

template <int N>
struct Dual {
  double v = 0;
  double d[N] = {};

  Dual() = default;
  Dual(double value) : v(value) {}  // NOLINT: constants promote implicitly
  static Dual seed(double value, int direction) {
    Dual x(value);
    x.d[direction] = 1;
    return x;
  }
};

template <int N>
Dual<N> chain(double value, double slope, const Dual<N>& x) {
  Dual<N> r(value);
  for (int i = 0; i < N; ++i) r.d[i] = slope * x.d[i];
  return r;
}

template <int N>
Dual<N> operator-(const Dual<N>& a) {
  return chain(-a.v, -1.0, a);
}
template <int N>
Dual<N> operator+(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> r(a.v + b.v);
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] + b.d[i];
  return r;
}
template <int N>
Dual<N> operator-(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> r(a.v - b.v);
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] - b.d[i];
  return r;
}
template <int N>
Dual<N> operator*(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> r(a.v * b.v);
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] * b.v + a.v * b.d[i];
  return r;
}
template <int N>
Dual<N> operator/(const Dual<N>& a, const Dual<N>& b) {
  const double q = a.v / b.v;
  Dual<N> r(q);
  for (int i = 0; i < N; ++i) r.d[i] = (a.d[i] - q * b.d[i]) / b.v;
  return r;
}

// Comparisons look at values only: branches and clamps pick a side, and the derivative is the
// chosen side's.
template <int N> bool operator<(const Dual<N>& a, const Dual<N>& b) { return a.v < b.v; }
template <int N> bool operator>(const Dual<N>& a, const Dual<N>& b) { return a.v > b.v; }
template <int N> bool operator<=(const Dual<N>& a, const Dual<N>& b) { return a.v <= b.v; }
template <int N> bool operator>=(const Dual<N>& a, const Dual<N>& b) { return a.v >= b.v; }
template <int N> bool operator!=(const Dual<N>& a, const Dual<N>& b) { return a.v != b.v; }

template <int N>
void sincos_r(const Dual<N>& x, Dual<N>* s, Dual<N>* c) {
  const double sv = std::sin(x.v), cv = std::cos(x.v);
  *s = chain(sv, cv, x);
  *c = chain(cv, -sv, x);
}
template <int N>
Dual<N> atan_ratio(const Dual<N>& num, const Dual<N>& den) {
  const Dual<N> x = num / den;
  return chain(std::atan(x.v), 1.0 / (1.0 + x.v * x.v), x);
}
// At 0 the derivative is infinite; 0 is used instead (the one place it occurs is a stop time
// that is 0 whatever the direction: a standing vehicle told to brake).
template <int N>
Dual<N> sqrt_r(const Dual<N>& x) {
  const double r = std::sqrt(x.v);
  return chain(r, r > 0 ? 0.5 / r : 0.0, x);
}
template <int N>
Dual<N> floor_r(const Dual<N>& x) {
  return Dual<N>(std::floor(x.v));
}

}  // namespace trajcore::detail
