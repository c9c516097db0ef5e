#include "savgol.hpp"

#include "cpu_clones.hpp"

#include <algorithm>
#include <cmath>

namespace trajcore::detail {
namespace {

// Rows k = 0..poly of the least-squares pseudo-inverse for the samples j of a window, in the
// scaled coordinate u_j = (j - centre) / scale (well-conditioned normal equations):
// coefficient k of the fitted polynomial in u is sum_j rows[k][j] x_j.
std::vector<std::vector<double>> fit_rows(int32_t window, int32_t poly, double centre,
                                          double scale) {
  const int32_t m = poly + 1;
  std::vector<double> vand(static_cast<size_t>(window * m));
  for (int32_t j = 0; j < window; ++j) {
    const double u = (j - centre) / scale;
    double p = 1;
    for (int32_t k = 0; k < m; ++k, p *= u) vand[j * m + k] = p;
  }
  std::vector<double> a(static_cast<size_t>(m * m), 0.0);  // A^T A
  for (int32_t r = 0; r < m; ++r) {
    for (int32_t c = 0; c < m; ++c) {
      double s = 0;
      for (int32_t j = 0; j < window; ++j) s += vand[j * m + r] * vand[j * m + c];
      a[r * m + c] = s;
    }
  }
  // (A^T A)^-1 by Gauss-Jordan with partial pivoting.
  std::vector<double> inv(static_cast<size_t>(m * m), 0.0);
  for (int32_t k = 0; k < m; ++k) inv[k * m + k] = 1.0;
  for (int32_t col = 0; col < m; ++col) {
    int32_t piv = col;
    for (int32_t r = col + 1; r < m; ++r) {
      if (std::fabs(a[r * m + col]) > std::fabs(a[piv * m + col])) piv = r;
    }
    for (int32_t c = 0; c < m; ++c) {
      std::swap(a[col * m + c], a[piv * m + c]);
      std::swap(inv[col * m + c], inv[piv * m + c]);
    }
    const double d = a[col * m + col];
    for (int32_t c = 0; c < m; ++c) a[col * m + c] /= d, inv[col * m + c] /= d;
    for (int32_t r = 0; r < m; ++r) {
      if (r == col) continue;
      const double f = a[r * m + col];
      for (int32_t c = 0; c < m; ++c)
        a[r * m + c] -= f * a[col * m + c], inv[r * m + c] -= f * inv[col * m + c];
    }
  }
  std::vector<std::vector<double>> rows(static_cast<size_t>(m),
                                        std::vector<double>(static_cast<size_t>(window)));
  for (int32_t k = 0; k < m; ++k) {
    for (int32_t j = 0; j < window; ++j) {
      double s = 0;
      for (int32_t c = 0; c < m; ++c) s += inv[k * m + c] * vand[j * m + c];
      rows[k][j] = s;
    }
  }
  return rows;
}

}  // namespace

SavitzkyGolay::SavitzkyGolay(int32_t window, int32_t poly, int32_t deriv, double delta)
    : window_(window), poly_(poly), deriv_(deriv), delta_(delta) {
  scale_ = 0.5 * window;
  centre_fit_ = 0.5 * (window - 1);
  chain_ = std::pow(scale_ * delta_, -deriv_);
  rows_ = fit_rows(window, poly, centre_fit_, scale_);
  // The interior weights: the derivative of the window's fit at its centre (half a sample right
  // of it for even windows, where scipy's convolution puts it).
  const int32_t half = window / 2;
  const double pos = window % 2 == 1 ? half : half - 0.5;
  centre_.assign(static_cast<size_t>(window), 0.0);
  std::vector<double> basis;
  derivative_basis(pos, basis);
  for (int32_t k = 0; k <= poly_; ++k) {
    for (int32_t j = 0; j < window; ++j) centre_[j] += basis[k] * rows_[k][j];
  }
}

// d^deriv/dt^deriv of u^k at window position pos, for k = 0..poly (u = (pos - centre) / scale,
// t = pos * delta).
void SavitzkyGolay::derivative_basis(double pos, std::vector<double>& out) const {
  out.assign(static_cast<size_t>(poly_ + 1), 0.0);
  const double u = (pos - centre_fit_) / scale_;
  const double chain = std::pow(scale_ * delta_, -deriv_);
  for (int32_t k = deriv_; k <= poly_; ++k) {
    double falling = 1;  // k! / (k - deriv)!
    for (int32_t i = 0; i < deriv_; ++i) falling *= k - i;
    out[k] = falling * std::pow(u, k - deriv_) * chain;
  }
}

TRAJCORE_CPU_CLONES void SavitzkyGolay::apply(const double* x, int64_t n, double* out) const {
  const int32_t half = window_ / 2;
  // The first and last window // 2 outputs: the fitted polynomials of the first and last
  // windows, evaluated (O(window) per window instead of per output).
  double first[8], last[8];
  for (int32_t k = 0; k <= poly_; ++k) {
    double a = 0, b = 0;
    for (int32_t j = 0; j < window_; ++j) {
      a += rows_[k][j] * x[j];
      b += rows_[k][j] * x[n - window_ + j];
    }
    first[k] = a;
    last[k] = b;
  }
  // Horner's scheme on the derivative's coefficients (no pow in the loop).
  double deriv_coef_first[8], deriv_coef_last[8];
  for (int32_t k = deriv_; k <= poly_; ++k) {
    double falling = 1;  // k! / (k - deriv)!
    for (int32_t i = 0; i < deriv_; ++i) falling *= k - i;
    deriv_coef_first[k - deriv_] = first[k] * falling * chain_;
    deriv_coef_last[k - deriv_] = last[k] * falling * chain_;
  }
  const int32_t degree = poly_ - deriv_;
  auto evaluate = [&](const double* coef, double pos) {
    if (degree < 0) return 0.0;
    const double u = (pos - centre_fit_) / scale_;
    double s = coef[degree];
    for (int32_t k = degree - 1; k >= 0; --k) s = s * u + coef[k];
    return s;
  };
  const int64_t shift = window_ % 2 == 1 ? half : half - 1;  // scipy's alignment
  for (int64_t i = 0; i < std::min<int64_t>(half, n); ++i) {
    out[i] = evaluate(deriv_coef_first, double(i));
  }
  for (int64_t i = std::max<int64_t>(n - half, half); i < n; ++i) {
    out[i] = evaluate(deriv_coef_last, double(i - (n - window_)));
  }
  // The interior: one dot product per output, each summed in window order. Blocks of outputs
  // advance together (the inner loop runs across outputs and vectorises); every output still
  // adds the same terms in the same order, so the sums are bit for bit those of a plain loop.
  constexpr int64_t kBlock = 8;
  int64_t i = half;
  for (; i + kBlock <= n - half; i += kBlock) {
    double s[kBlock] = {};
    const double* start = x + (i - shift);
    for (int32_t j = 0; j < window_; ++j) {
      const double c = centre_[j];
      for (int64_t b = 0; b < kBlock; ++b) s[b] += c * start[b + j];
    }
    for (int64_t b = 0; b < kBlock; ++b) out[i + b] = s[b];
  }
  for (; i < n - half; ++i) {
    const double* start = x + (i - shift);
    double s = 0;
    for (int32_t j = 0; j < window_; ++j) s += centre_[j] * start[j];
    out[i] = s;
  }
}

}  // namespace trajcore::detail
