// ReferenceLine: construction (resample, smooth, resample), evaluation and projection.
#include "trajcore/reference_line.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "parallel.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

constexpr double kDuplicate = 1e-6;  // consecutive points closer than this are one point (m)
constexpr int64_t kQueryGrain = 64;

// Uniform resampling of a polyline: n points at equal arc-length steps, end points kept.
void resample(const std::vector<double>& x, const std::vector<double>& y, int64_t n,
              std::vector<double>* rx, std::vector<double>* ry) {
  std::vector<double> cum(x.size(), 0.0);
  for (size_t i = 1; i < x.size(); ++i)
    cum[i] = cum[i - 1] + std::hypot(x[i] - x[i - 1], y[i] - y[i - 1]);
  const double total = cum.back();
  rx->assign(static_cast<size_t>(n), 0.0);
  ry->assign(static_cast<size_t>(n), 0.0);
  size_t seg = 0;
  for (int64_t k = 0; k < n; ++k) {
    const double s = total * static_cast<double>(k) / static_cast<double>(n - 1);
    while (seg + 2 < x.size() && cum[seg + 1] < s) ++seg;
    const double len = cum[seg + 1] - cum[seg];
    const double u = len > 0 ? (s - cum[seg]) / len : 0.0;
    (*rx)[k] = x[seg] + u * (x[seg + 1] - x[seg]);
    (*ry)[k] = y[seg] + u * (y[seg + 1] - y[seg]);
  }
  (*rx)[n - 1] = x.back();
  (*ry)[n - 1] = y.back();
}

double polyline_length(const std::vector<double>& x, const std::vector<double>& y) {
  double total = 0;
  for (size_t i = 1; i < x.size(); ++i) total += std::hypot(x[i] - x[i - 1], y[i] - y[i - 1]);
  return total;
}

// Gaussian smoothing of evenly spaced points. Near the ends the window shrinks symmetrically
// (to nothing at the end points), so end points are kept, and straight lines and the heading of
// circular arcs are not biased.
std::vector<double> smooth(const std::vector<double>& v, double sigma_samples) {
  const int64_t n = static_cast<int64_t>(v.size());
  const int64_t radius = static_cast<int64_t>(std::ceil(3 * sigma_samples));
  std::vector<double> w(static_cast<size_t>(radius + 1));
  for (int64_t k = 0; k <= radius; ++k)
    w[k] = std::exp(-0.5 * (k / sigma_samples) * (k / sigma_samples));
  std::vector<double> out(v.size());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = std::min({radius, i, n - 1 - i});
    double acc = w[0] * v[i], norm = w[0];
    for (int64_t k = 1; k <= r; ++k) {
      acc += w[k] * (v[i - k] + v[i + k]);
      norm += 2 * w[k];
    }
    out[i] = acc / norm;
  }
  return out;
}

template <class Real>
std::pair<std::vector<double>, std::vector<double>> distinct_points(TensorView<const Real> pts) {
  if (pts.shape.rank() != 2 || pts.shape[1] != 2) {
    throw Error("points has shape " + pts.shape.str() + ", expected (P, 2) = (points, x and y)");
  }
  if (pts.device.is_cuda())
    throw Error("points is on " + pts.device.str() + ", expected a CPU array");
  std::vector<double> x, y;
  for (int64_t i = 0; i < pts.shape[0]; ++i) {
    const double px = pts.data[2 * i], py = pts.data[2 * i + 1];
    if (!std::isfinite(px) || !std::isfinite(py)) {
      throw Error("points[" + std::to_string(i) + "] is (" + detail::value_str(px) + ", " +
                  detail::value_str(py) + "), expected finite coordinates");
    }
    if (!x.empty() && std::hypot(px - x.back(), py - y.back()) < kDuplicate) continue;
    x.push_back(px);
    y.push_back(py);
  }
  if (x.size() < 2) {
    throw Error("points has " + std::to_string(x.size()) + " distinct point" +
                (x.size() == 1 ? "" : "s") + " (of " + std::to_string(pts.shape[0]) +
                "), expected at least 2");
  }
  return {std::move(x), std::move(y)};
}

}  // namespace

ReferenceLine::ReferenceLine(TensorView<const double> points, ReferenceLineOptions options) {
  auto [x, y] = distinct_points(points);
  build(std::move(x), std::move(y), options);
}

ReferenceLine::ReferenceLine(TensorView<const float> points, ReferenceLineOptions options) {
  auto [x, y] = distinct_points(points);
  build(std::move(x), std::move(y), options);
}

void ReferenceLine::build(std::vector<double> x, std::vector<double> y, ReferenceLineOptions o) {
  if (!std::isfinite(o.spacing) || o.spacing <= 0) {
    throw Error("spacing is " + detail::value_str(o.spacing) +
                ", expected a finite number > 0 (m)");
  }
  if (!std::isfinite(o.smoothing) || o.smoothing < 0) {
    throw Error("smoothing is " + detail::value_str(o.smoothing) +
                ", expected a finite number >= 0 (m)");
  }
  auto count = [&](double len) {
    const double samples = std::ceil(len / o.spacing) + 1;  // double: 1e30 m would overflow int64
    // x, y, heading, curvature and the resampling's work arrays: about 8 doubles per sample.
    check_fits_in_memory(samples * 8 * sizeof(double),
                         "a reference line of " + detail::value_str(len) + " m at spacing " +
                             detail::value_str(o.spacing) + " m (" + detail::value_str(samples) +
                             " samples)");
    return std::max<int64_t>(3, static_cast<int64_t>(samples));
  };
  std::vector<double> rx, ry;
  resample(x, y, count(polyline_length(x, y)), &rx, &ry);
  if (o.smoothing > 0) {
    const double step = polyline_length(rx, ry) / static_cast<double>(rx.size() - 1);
    rx = smooth(rx, o.smoothing / step);
    ry = smooth(ry, o.smoothing / step);
  }
  const double len = polyline_length(rx, ry);
  resample(rx, ry, count(len), &x_, &y_);
  const int64_t n = sample_count();
  length_ = polyline_length(x_, y_);
  step_ = length_ / static_cast<double>(n - 1);
  heading_.assign(static_cast<size_t>(n), 0.0);
  curvature_.assign(static_cast<size_t>(n), 0.0);
  // Second-order differences: central inside, one-sided (-3 f0 + 4 f1 - f2) at the ends (n >= 3).
  auto derivative = [&](const std::vector<double>& f, int64_t i) {
    if (i == 0) return -3 * f[0] + 4 * f[1] - f[2];
    if (i == n - 1) return 3 * f[n - 1] - 4 * f[n - 2] + f[n - 3];
    return f[i + 1] - f[i - 1];
  };
  for (int64_t i = 0; i < n; ++i) {
    heading_[i] = std::atan2(derivative(y_, i), derivative(x_, i));
    if (i > 0) {  // unwrapped: continuous along the line
      heading_[i] -= 2 * M_PI * std::round((heading_[i] - heading_[i - 1]) / (2 * M_PI));
    }
  }
  for (int64_t i = 0; i < n; ++i) curvature_[i] = derivative(heading_, i) / (2 * step_);
}

ReferenceLine::Pose ReferenceLine::evaluate(double s) const {
  const int64_t n = sample_count();
  if (s <= 0) {
    return {x_[0] + s * std::cos(heading_[0]), y_[0] + s * std::sin(heading_[0]), heading_[0], 0.0};
  }
  if (s >= length_) {
    const double e = s - length_;
    return {x_[n - 1] + e * std::cos(heading_[n - 1]), y_[n - 1] + e * std::sin(heading_[n - 1]),
            heading_[n - 1], 0.0};
  }
  int64_t i = static_cast<int64_t>(s / step_);
  if (i > n - 2) i = n - 2;
  const double u = s / step_ - static_cast<double>(i);
  return {x_[i] + u * (x_[i + 1] - x_[i]), y_[i] + u * (y_[i + 1] - y_[i]),
          heading_[i] + u * (heading_[i + 1] - heading_[i]),
          curvature_[i] + u * (curvature_[i + 1] - curvature_[i])};
}

void ReferenceLine::to_cartesian(double s, double d, double* x, double* y) const {
  const Pose p = evaluate(s);
  *x = p.x - d * std::sin(p.heading);
  *y = p.y + d * std::cos(p.heading);
}

void ReferenceLine::project(double qx, double qy, double* s_out, double* d_out) const {
  const int64_t n = sample_count();
  // along(s): the query's offset along the line's tangent at s; a foot of the perpendicular is a
  // zero where it turns from ahead (>= 0) to behind (< 0).
  auto along = [&](double s) {
    const Pose p = evaluate(s);
    return (qx - p.x) * std::cos(p.heading) + (qy - p.y) * std::sin(p.heading);
  };
  auto lateral = [&](double s) {
    const Pose p = evaluate(s);
    return -(qx - p.x) * std::sin(p.heading) + (qy - p.y) * std::cos(p.heading);
  };
  double best_s = 0, best_d = std::numeric_limits<double>::infinity();
  auto consider = [&](double s) {
    const double d = lateral(s);
    if (std::fabs(d) < std::fabs(best_d)) best_s = s, best_d = d;
  };
  const double f0 = along(0.0);
  if (f0 < 0) consider(f0);  // behind the start: on the straight extension
  const double fe = along(length_);
  if (fe > 0) consider(length_ + fe);
  // A foot in [s_i, s_i+1] lies on the line, so its |d| (its distance to the query) is at least
  // the distance to the nearer of the two samples minus the step; the nearest sample bounds the
  // best |d| from above (the nearest point of the line is a foot or an end). Only intervals
  // within that bound are searched (a few), without trigonometry for the others.
  auto dist2 = [&](int64_t i) {
    const double dx = qx - x_[i], dy = qy - y_[i];
    return dx * dx + dy * dy;
  };
  double nearest2 = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) nearest2 = std::min(nearest2, dist2(i));
  const double reach = std::sqrt(nearest2) + step_ + 1e-9, reach2 = reach * reach;
  for (int64_t i = 0; i + 1 < n; ++i) {
    if (std::min(dist2(i), dist2(i + 1)) > reach2) continue;
    const double sa = step_ * static_cast<double>(i);
    const double sb = i + 2 == n ? length_ : step_ * static_cast<double>(i + 1);
    const double fa = i == 0 ? f0 : along(sa);
    const double fb = i + 2 == n ? fe : along(sb);
    if (fa >= 0 && fb < 0) {
      double lo = sa, hi = sb, flo = fa, fhi = fb;
      for (int it = 0; it < 60 && hi - lo > 1e-12; ++it) {  // regula falsi (Illinois) on [lo, hi]
        const double m = (lo * fhi - hi * flo) / (fhi - flo);
        const double fm = along(m);
        if (fm >= 0) {
          lo = m, flo = fm, fhi *= 0.5;
        } else {
          hi = m, fhi = fm, flo *= 0.5;
        }
        if (fm == 0) {
          hi = lo;
          break;
        }
      }
      consider(0.5 * (lo + hi));
    }
  }
  *s_out = best_s;
  *d_out = best_d;
}

namespace {

void check_finite(TensorView<const float> v, const char* name, int fields,
                  const char* const* labels) {
  const int64_t n = v.numel();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(v.data[i])) {
      const Shape items = fields > 1 ? v.shape.without_last() : v.shape;
      throw Error(std::string(name) + detail::index_str(items, i / fields) + " (" +
                  labels[i % fields] + ") is " + detail::value_str(v.data[i]) +
                  ", expected a finite number");
    }
  }
}

void check_pairs(TensorView<const float> v, const char* name) {
  static const char* const kXY[2] = {"x", "y"};
  static const char* const kSD[2] = {"s", "d"};
  const bool sd = name[0] == 's';
  detail::check_items(v.shape, v.data, name, 2, sd ? "s, d" : "x, y");
  if (v.device.is_cuda())
    throw Error(std::string(name) + " is on " + v.device.str() + ", expected a CPU array");
  check_finite(v, name, 2, sd ? kSD : kXY);
}

}  // namespace

void ReferenceLine::project(TensorView<const float> xy, TensorView<float> sd) const {
  check_pairs(xy, "xy");
  detail::check_output(sd.shape, sd.data, sd.device, "sd", xy.shape, Device{});
  detail::parallel_for(xy.numel() / 2, kQueryGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      double s, d;
      project(xy.data[2 * i], xy.data[2 * i + 1], &s, &d);
      sd.data[2 * i] = static_cast<float>(s);
      sd.data[2 * i + 1] = static_cast<float>(d);
    }
  });
}

void ReferenceLine::to_cartesian(TensorView<const float> sd, TensorView<float> xy) const {
  check_pairs(sd, "sd");
  detail::check_output(xy.shape, xy.data, xy.device, "xy", sd.shape, Device{});
  detail::parallel_for(sd.numel() / 2, kQueryGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      double x, y;
      to_cartesian(sd.data[2 * i], sd.data[2 * i + 1], &x, &y);
      xy.data[2 * i] = static_cast<float>(x);
      xy.data[2 * i + 1] = static_cast<float>(y);
    }
  });
}

void ReferenceLine::evaluate(TensorView<const float> s, TensorView<float> pose) const {
  static const char* const kS[1] = {"s"};
  if (s.device.is_cuda()) throw Error("s is on " + s.device.str() + ", expected a CPU array");
  if (s.numel() == 0) {
    throw Error("s is empty: shape " + s.shape.str() + ", expected at least one item");
  }
  check_finite(s, "s", 1, kS);
  Shape expected = s.shape;
  expected.push_back(4);
  detail::check_output(pose.shape, pose.data, pose.device, "pose", expected, Device{});
  detail::parallel_for(s.numel(), kQueryGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const Pose p = evaluate(s.data[i]);
      pose.data[4 * i] = static_cast<float>(p.x);
      pose.data[4 * i + 1] = static_cast<float>(p.y);
      pose.data[4 * i + 2] = static_cast<float>(p.heading);
      pose.data[4 * i + 3] = static_cast<float>(p.curvature);
    }
  });
}

}  // namespace trajcore
