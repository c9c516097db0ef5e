// Savitzky-Golay filtering as scipy.signal.savgol_filter(mode="interp") computes it: a
// least-squares polynomial over a sliding window, evaluated (or differentiated) at the window's
// centre (half a sample right of it for even windows, as scipy's convolution aligns them); the
// first and last window // 2 outputs come from the polynomials of the first and last windows.
#pragma once

#include <cstdint>
#include <vector>

namespace trajcore::detail {

class SavitzkyGolay {
 public:
  // window >= poly + 1 and window <= the length of the series it filters; poly <= 7; delta:
  // sample spacing.
  SavitzkyGolay(int32_t window, int32_t poly, int32_t deriv, double delta);
  int32_t window() const { return window_; }
  // out[i] for i in [0, n); x and out hold n values (n >= window), distinct buffers.
  void apply(const double* x, int64_t n, double* out) const;

 private:
  void derivative_basis(double pos, std::vector<double>& out) const;

  int32_t window_, poly_, deriv_;
  double delta_;
  double scale_ = 1, centre_fit_ = 0;      // the fit's coordinate u = (j - centre) / scale
  double chain_ = 1;                       // du/dt to the power deriv
  std::vector<std::vector<double>> rows_;  // (poly + 1, window) fit coefficients per sample
  std::vector<double> centre_;             // weights of the interior outputs
};

}  // namespace trajcore::detail
