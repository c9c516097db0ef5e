// Comfort: the six bounds on Savitzky-Golay estimates of each candidate's motion.
#include "trajcore/comfort.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <string>
#include <vector>

#include "parallel.hpp"
#include "savgol.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

constexpr int64_t kGrain = 16;
constexpr double kTwoPi = 6.28318530717958647692;

int32_t effective_window(int32_t window, int64_t steps) {
  return window == 0 || window > steps ? static_cast<int32_t>(steps) : window;
}

// The filters built so far on this thread, by their parameters: a planning loop reuses the same
// few, so warm calls do not allocate. A deque keeps references stable while it grows.
struct CachedFilter {
  int32_t window, poly, deriv;
  double dt;
  detail::SavitzkyGolay filter;
};
thread_local std::deque<CachedFilter> filter_cache;

const detail::SavitzkyGolay& make_filter(const char* name, int32_t window, int32_t poly,
                                         int32_t deriv, double dt, int64_t steps) {
  if (window < 0) {
    throw Error(std::string(name) + " is " + std::to_string(window) +
                ", expected >= 0 steps (0: the whole horizon)");
  }
  const int32_t w = effective_window(window, steps);
  if (w <= poly || poly > 7) {
    throw Error(std::string(name) + " gives a window of " + std::to_string(w) + " steps over " +
                std::to_string(steps) + " states, expected more than the polynomial order " +
                std::to_string(poly));
  }
  for (const CachedFilter& c : filter_cache) {
    if (c.window == w && c.poly == poly && c.deriv == deriv && c.dt == dt) return c.filter;
  }
  filter_cache.push_back(
      CachedFilter{w, poly, deriv, dt, detail::SavitzkyGolay(w, poly, deriv, dt)});
  return filter_cache.back().filter;
}

// numpy.round(x, decimals): rint(x * 10^decimals) / 10^decimals.
void round_to(std::vector<double>& v, int32_t decimals) {
  if (decimals < 0) return;
  const double scale = std::pow(10.0, decimals);
  for (double& x : v) x = std::nearbyint(x * scale) / scale;
}

}  // namespace

void comfort(TensorView<const float> states, double dt, const ComfortParams& p,
             const ComfortOutputs& out) {
  const Shape& s = states.shape;
  if (states.data == nullptr || s.rank() < 2 || s.back() < 5) {
    throw Error("states has shape " + s.str() +
                ", expected (..., T+1, S) with S >= 5 (x, y, yaw, v, a)");
  }
  if (states.device.is_cuda())
    throw Error("states is on " + states.device.str() + ", expected a CPU array");
  if (!(dt > 0) || !std::isfinite(dt))
    throw Error("dt is " + detail::value_str(dt) + ", expected > 0 seconds");
  const int64_t steps = s[s.rank() - 2], fields = s.back();
  const int64_t rows = steps > 0 ? states.numel() / (steps * fields) : 0;
  const Shape lead = s.without_last().without_last();
  detail::check_output(out.score.shape, out.score.data, out.score.device, "score", lead, Device{});
  detail::check_output(out.failed.shape, out.failed.data, out.failed.device, "failed", lead,
                       Device{});
  detail::check_output(out.first_step.shape, out.first_step.data, out.first_step.device,
                       "first_step", lead, Device{});
  if (out.series.data != nullptr) {
    Shape series = lead;
    series.push_back(6);
    series.push_back(steps);
    detail::check_output(out.series.shape, out.series.data, out.series.device, "series", series,
                         Device{});
  }
  for (int64_t i = 0; i < states.numel(); ++i) {
    if (i % fields < 5 && !std::isfinite(states.data[i])) {
      throw Error("states" + detail::index_str(s, i) + " is " + detail::value_str(states.data[i]) +
                  ", expected a finite value");
    }
  }
  // The worker threads read these filters from this thread's cache, which does not change while
  // they run. It is emptied between calls once it holds many (only when parameters keep changing).
  if (filter_cache.size() > 60) filter_cache.clear();
  const auto& lon = make_filter("lon_accel_window", p.lon_accel_window, 2, 0, dt, steps);
  const auto& smooth =
      make_filter("jerk_smoothing_window", p.jerk_smoothing_window, 2, 0, dt, steps);
  const auto& jerk = make_filter("jerk_window", p.jerk_window, 2, 1, dt, steps);
  const auto& yaw_rate = make_filter("yaw_rate_window", p.yaw_rate_window, 2, 1, dt, steps);
  const auto& yaw_accel = make_filter("yaw_accel_window", p.yaw_accel_window, 3, 2, dt, steps);

  detail::parallel_for(rows, kGrain, [&](int64_t begin, int64_t end) {
    const size_t n = static_cast<size_t>(steps);
    thread_local std::vector<double> a, v, lat, yaw, tmp, series,
        rate;  // warm calls: no allocation
    thread_local std::vector<int32_t> bad;
    for (auto* buffer : {&a, &v, &lat, &yaw, &tmp, &series, &rate}) buffer->resize(n);
    bad.resize(n);
    for (int64_t r = begin; r < end; ++r) {
      const float* st = states.data + r * steps * fields;
      for (size_t t = 0; t < n; ++t) {
        yaw[t] = st[t * fields + 2];
        v[t] = st[t * fields + 3];
        a[t] = st[t * fields + 4];
      }
      // Phase unwrap as PDM: subtract 2 pi times the running sum of the rounded step jumps.
      double turns = 0;
      for (size_t t = 1; t < n; ++t) {
        turns += std::nearbyint((double(st[t * fields + 2]) - st[(t - 1) * fields + 2]) / kTwoPi);
        yaw[t] = st[t * fields + 2] - kTwoPi * turns;
      }
      std::fill(bad.begin(), bad.end(), 0);
      auto check = [&](const std::vector<double>& x, double lo, double hi, int32_t bit) {
        for (size_t t = 0; t < n; ++t) {
          if (!(x[t] > lo && x[t] < hi)) bad[t] |= bit;
        }
        if (out.series.data != nullptr) {
          const int32_t index = bit == 1    ? 0
                                : bit == 2  ? 1
                                : bit == 4  ? 2
                                : bit == 8  ? 3
                                : bit == 16 ? 4
                                            : 5;
          float* dst = out.series.data + (r * 6 + index) * steps;
          for (size_t t = 0; t < n; ++t) dst[t] = static_cast<float>(x[t]);
        }
      };
      yaw_rate.apply(yaw.data(), steps, rate.data());
      round_to(rate, p.decimals);
      check(rate, -p.max_abs_yaw_rate, p.max_abs_yaw_rate, kComfortYawRate);
      yaw_accel.apply(yaw.data(), steps, series.data());
      round_to(series, p.decimals);
      check(series, -p.max_abs_yaw_accel, p.max_abs_yaw_accel, kComfortYawAccel);
      lon.apply(a.data(), steps, series.data());
      round_to(series, p.decimals);
      check(series, p.min_lon_accel, p.max_lon_accel, kComfortLonAccel);
      // Lateral acceleration, smoothed like the longitudinal one.
      for (size_t t = 0; t < n; ++t) {
        lat[t] = p.lateral == LateralAcceleration::kZero ? 0.0 : v[t] * rate[t];
      }
      lon.apply(lat.data(), steps, series.data());
      round_to(series, p.decimals);
      check(series, -p.max_abs_lat_accel, p.max_abs_lat_accel, kComfortLatAccel);
      // Jerks: derivatives of the (window 8 smoothed, rounded) acceleration and its magnitude.
      for (size_t t = 0; t < n; ++t) tmp[t] = std::hypot(a[t], lat[t]);
      smooth.apply(tmp.data(), steps, series.data());
      round_to(series, p.decimals);
      jerk.apply(series.data(), steps, tmp.data());
      round_to(tmp, p.decimals);
      check(tmp, -p.max_abs_jerk, p.max_abs_jerk, kComfortJerk);
      smooth.apply(a.data(), steps, series.data());
      round_to(series, p.decimals);
      jerk.apply(series.data(), steps, tmp.data());
      round_to(tmp, p.decimals);
      check(tmp, -p.max_abs_lon_jerk, p.max_abs_lon_jerk, kComfortLonJerk);
      int32_t failed = 0, first = -1;
      for (size_t t = 0; t < n; ++t) {
        failed |= bad[t];
        if (first < 0 && bad[t] != 0) first = static_cast<int32_t>(t);
      }
      out.score.data[r] = failed == 0 ? 1.0f : 0.0f;
      out.failed.data[r] = failed;
      out.first_step.data[r] = first;
    }
  });
}

}  // namespace trajcore
