#include "savgol.hpp"

#include <cmath>

namespace trajcore::detail {

SavitzkyGolay::SavitzkyGolay(int32_t window, int32_t poly, int32_t deriv, double delta)
    : window_(window), poly_(poly), deriv_(deriv), delta_(delta) {
  const int32_t half = window / 2;
  centre_ = weights(window % 2 == 1 ? half : half - 0.5);
  for (int32_t i = 0; i < half; ++i) edges_.push_back(weights(i));
  for (int32_t i = window - half; i < window; ++i) tails_.push_back(weights(i));
}

std::vector<double> SavitzkyGolay::weights(double pos) const {
  std::vector<double> w(static_cast<size_t>(window_), 0.0);
  if (deriv_ > poly_) return w;
  // Least squares in scaled coordinates u = (j - pos) / scale, which keeps the normal equations
  // well conditioned; the derivative at u = 0 is deriv! * c_deriv / (scale * delta)^deriv.
  const int32_t m = poly_ + 1;
  const double scale = 0.5 * window_;
  std::vector<double> a(static_cast<size_t>(m * m), 0.0);   // A^T A
  std::vector<double> vand(static_cast<size_t>(window_ * m));
  for (int32_t j = 0; j < window_; ++j) {
    const double u = (j - pos) / scale;
    double p = 1;
    for (int32_t k = 0; k < m; ++k, p *= u) vand[j * m + k] = p;
  }
  for (int32_t r = 0; r < m; ++r) {
    for (int32_t c = 0; c < m; ++c) {
      double s = 0;
      for (int32_t j = 0; j < window_; ++j) s += vand[j * m + r] * vand[j * m + c];
      a[r * m + c] = s;
    }
  }
  // Row `deriv` of (A^T A)^-1: solve (A^T A) z = e_deriv (symmetric), by Gauss-Jordan with
  // partial pivoting.
  std::vector<double> z(static_cast<size_t>(m), 0.0);
  z[deriv_] = 1.0;
  for (int32_t col = 0; col < m; ++col) {
    int32_t piv = col;
    for (int32_t r = col + 1; r < m; ++r) {
      if (std::fabs(a[r * m + col]) > std::fabs(a[piv * m + col])) piv = r;
    }
    for (int32_t c = 0; c < m; ++c) std::swap(a[col * m + c], a[piv * m + c]);
    std::swap(z[col], z[piv]);
    const double d = a[col * m + col];
    for (int32_t c = 0; c < m; ++c) a[col * m + c] /= d;
    z[col] /= d;
    for (int32_t r = 0; r < m; ++r) {
      if (r == col) continue;
      const double f = a[r * m + col];
      for (int32_t c = 0; c < m; ++c) a[r * m + c] -= f * a[col * m + c];
      z[r] -= f * z[col];
    }
  }
  double factor = 1.0;
  for (int32_t k = 2; k <= deriv_; ++k) factor *= k;
  factor /= std::pow(scale * delta_, deriv_);
  for (int32_t j = 0; j < window_; ++j) {
    double s = 0;
    for (int32_t k = 0; k < m; ++k) s += z[k] * vand[j * m + k];
    w[j] = factor * s;
  }
  return w;
}

void SavitzkyGolay::apply(const double* x, int64_t n, double* out) const {
  const int32_t half = window_ / 2;
  auto dot = [&](const std::vector<double>& w, const double* start) {
    double s = 0;
    for (int32_t j = 0; j < window_; ++j) s += w[j] * start[j];
    return s;
  };
  const int64_t shift = window_ % 2 == 1 ? half : half - 1;  // scipy's alignment
  for (int64_t i = 0; i < n; ++i) {
    if (i < half) {
      out[i] = dot(edges_[i], x);
    } else if (i >= n - half) {
      out[i] = dot(tails_[i - (n - half)], x + (n - window_));
    } else {
      out[i] = dot(centre_, x + (i - shift));
    }
  }
}

}  // namespace trajcore::detail
