// A reference line (lane centreline, route) with a Frenet frame: arc length s along the line,
// signed lateral offset d (left positive).
//
// Construction makes the line smooth and evenly parametrised whatever the input spacing: the
// polyline is resampled every `spacing` metres along its length, smoothed with a Gaussian of
// `smoothing` metres (ends reflected through the end points, so straight lines and end points are
// kept), and resampled again so that s is the arc length of the result. Headings come from central
// differences, curvature from the headings' differences. Between samples, position, heading and
// curvature are interpolated linearly; before the start and after the end the line continues
// straight along its end headings. All internal arithmetic is double.
#pragma once

#include <cstdint>
#include <vector>

#include "trajcore/tensor.hpp"

namespace trajcore {

struct ReferenceLineOptions {
  double spacing = 0.5;    // resampling step (m, > 0)
  double smoothing = 1.0;  // Gaussian standard deviation (m, >= 0; 0: no smoothing)
};

class ReferenceLine {
 public:
  // points (P, 2) x, y in order of travel; consecutive duplicates are dropped; at least two
  // distinct points. Throws trajcore::Error naming the problem.
  explicit ReferenceLine(TensorView<const double> points, ReferenceLineOptions options = {});
  explicit ReferenceLine(TensorView<const float> points, ReferenceLineOptions options = {});

  double length() const { return length_; }
  int64_t sample_count() const { return static_cast<int64_t>(x_.size()); }
  double spacing() const { return step_; }

  // Single queries.
  struct Pose {
    double x, y, heading, curvature;
  };
  Pose evaluate(double s) const;
  // (s, d) of the closest point: among the feet of perpendiculars (and the straight extensions),
  // the one with the smallest |d|.
  void project(double x, double y, double* s, double* d) const;
  void to_cartesian(double s, double d, double* x, double* y) const;

  // Batched (any leading shape, CPU arrays, parallel over items):
  //   project:      xy (..., 2) -> sd (..., 2)
  //   to_cartesian: sd (..., 2) -> xy (..., 2)
  //   evaluate:     s (...)     -> pose (..., 4) x, y, heading (unwrapped along the line), curvature
  void project(TensorView<const float> xy, TensorView<float> sd) const;
  void to_cartesian(TensorView<const float> sd, TensorView<float> xy) const;
  void evaluate(TensorView<const float> s, TensorView<float> pose) const;

  // The samples: s = i * spacing(), and x, y, heading, curvature at each.
  const std::vector<double>& sample_x() const { return x_; }
  const std::vector<double>& sample_y() const { return y_; }
  const std::vector<double>& sample_heading() const { return heading_; }
  const std::vector<double>& sample_curvature() const { return curvature_; }

 private:
  void build(std::vector<double> x, std::vector<double> y, ReferenceLineOptions options);
  double step_ = 0, length_ = 0;
  std::vector<double> x_, y_, heading_, curvature_;
};

}  // namespace trajcore
