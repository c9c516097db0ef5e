// Comfort: the six bounds on Savitzky-Golay estimates of each candidate's motion.
#include "trajcore/comfort.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <string>
#include <vector>

#include "cpu_clones.hpp"
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

// rint (round half to even) by the 2^52 trick: adding and subtracting 2^52 leaves a magnitude
// below it rounded to an integer in the default rounding mode, with no libm call (nearbyint is
// one on baseline x86-64). Larger magnitudes, inf and NaN are already integral or pass through.
TRAJCORE_ALWAYS_INLINE double round_even(double x) {
  constexpr double kTwo52 = 4503599627370496.0;
  const double magnitude = std::fabs(x);
  const double rounded = std::copysign((magnitude + kTwo52) - kTwo52, x);
  return magnitude < kTwo52 ? rounded : x;
}

// numpy.round(x, decimals): rint(x * 10^decimals) / 10^decimals.
TRAJCORE_CPU_CLONES void round_to(std::vector<double>& v, int32_t decimals) {
  if (decimals < 0) return;
  const double scale = std::pow(10.0, decimals);
  for (double& x : v) x = round_even(x * scale) / scale;
}

}  // namespace

void comfort(TensorView<const float> states, double dt, const ComfortParams& p,
             const ComfortOutputs& out) {
  const Shape& s = states.shape;
  if (states.data == nullptr || s.rank() < 2 || s.back() < 5) {
    throw Error("states has shape " + s.str() +
                ", expected (..., T+1, S) with S >= 5 (x, y, yaw, v, a)");
  }
  if (s.numel() == 0) {
    throw Error("states is empty: shape " + s.str() + ", expected at least one trajectory");
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
  const bool finite = detail::all_finite(states.data, states.numel());
  for (int64_t i = 0; i < states.numel() && !finite; ++i) {
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

namespace {

// The four extended-comfort features of one trajectory's first n states, each (n).
struct Features {
  std::vector<double> accel, jerk, yaw_rate, yaw_accel, work;
};

void features(const float* st, int64_t n, int64_t fields, const ExtendedComfortParams& p,
              const detail::SavitzkyGolay& smooth, const detail::SavitzkyGolay& jerk,
              const detail::SavitzkyGolay& rate, const detail::SavitzkyGolay& rate2, Features& f) {
  const size_t m = static_cast<size_t>(n);
  for (auto* v : {&f.accel, &f.jerk, &f.yaw_rate, &f.yaw_accel, &f.work}) v->resize(m);
  // Unwrapped yaw into work; yaw rate from it first (the lateral acceleration may need it).
  double turns = 0;
  f.work[0] = st[2];
  for (size_t t = 1; t < m; ++t) {
    turns += std::nearbyint((double(st[t * fields + 2]) - st[(t - 1) * fields + 2]) / kTwoPi);
    f.work[t] = st[t * fields + 2] - kTwoPi * turns;
  }
  rate.apply(f.work.data(), n, f.yaw_rate.data());
  rate2.apply(f.work.data(), n, f.yaw_accel.data());
  round_to(f.yaw_rate, p.decimals);
  round_to(f.yaw_accel, p.decimals);
  for (size_t t = 0; t < m; ++t) {
    const double lat =
        p.lateral == LateralAcceleration::kZero ? 0.0 : double(st[t * fields + 3]) * f.yaw_rate[t];
    f.work[t] = std::hypot(double(st[t * fields + 4]), lat);
  }
  smooth.apply(f.work.data(), n, f.accel.data());
  round_to(f.accel, p.decimals);
  jerk.apply(f.accel.data(), n, f.jerk.data());
  round_to(f.jerk, p.decimals);
}

double rms_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(sum / static_cast<double>(a.size()));
}

}  // namespace

void extended_comfort(TensorView<const float> states, TensorView<const float> previous,
                      int32_t shift, double dt, const ExtendedComfortParams& p,
                      TensorView<float> score) {
  const Shape& s = states.shape;
  if (states.data == nullptr || (s.rank() != 3 && s.rank() != 4) || s.back() < 5) {
    throw Error("states has shape " + s.str() + ", expected (B, N, T+1, S) with S >= 5");
  }
  const bool batched = s.rank() == 4;
  const int64_t B = batched ? s[0] : 1, N = s[s.rank() - 3], T1 = s[s.rank() - 2], S = s.back();
  Shape want;
  if (batched) want.push_back(B);
  want.push_back(T1);
  want.push_back(S);
  if (previous.data == nullptr || previous.shape != want) {
    throw Error("previous has shape " + previous.shape.str() + ", expected " + want.str() +
                " = (B, T+1, S), one trajectory per scene");
  }
  for (const auto* v : {&states, &previous}) {
    if (v->device.is_cuda())
      throw Error("extended_comfort runs on the CPU; got arrays on " + v->device.str());
  }
  if (shift < 0) {
    throw Error("shift is " + std::to_string(shift) + ", expected >= 0 steps");
  }
  if (!(dt > 0) || !std::isfinite(dt))
    throw Error("dt is " + detail::value_str(dt) + ", expected > 0 seconds");
  for (double bound : {p.max_rms_accel, p.max_rms_jerk, p.max_rms_yaw_rate, p.max_rms_yaw_accel}) {
    if (!(bound >= 0)) {
      throw Error("an extended-comfort bound is " + detail::value_str(bound) + ", expected >= 0");
    }
  }
  const Shape lead = s.without_last().without_last();
  detail::check_output(score.shape, score.data, score.device, "score", lead, Device{});
  for (const auto* v : {&states, &previous}) {
    for (int64_t i = 0; i < v->numel(); ++i) {
      if (i % S < 5 && !std::isfinite(v->data[i])) {
        throw Error(std::string(v == &states ? "states" : "previous") +
                    detail::index_str(v->shape, i) + " is " + detail::value_str(v->data[i]) +
                    ", expected a finite value");
      }
    }
  }
  const int64_t n = T1 - shift;
  if (n < 3) {  // too few shared steps for the polynomial-2 filters: nothing to compare
    std::fill(score.data, score.data + B * N, 1.0f);
    return;
  }
  if (filter_cache.size() > 60) filter_cache.clear();
  const auto& smooth = make_filter("accel_window", p.accel_window, 2, 0, dt, n);
  const auto& jerk = make_filter("jerk_window", p.jerk_window, 2, 1, dt, n);
  const auto& rate = make_filter("yaw_window", p.yaw_window, 2, 1, dt, n);
  const auto& rate2 = make_filter("yaw_window", p.yaw_window, 2, 2, dt, n);
  detail::parallel_for(B * N, kGrain, [&](int64_t begin, int64_t end) {
    thread_local Features mine, theirs;
    for (int64_t bn = begin; bn < end; ++bn) {
      features(states.data + bn * T1 * S, n, S, p, smooth, jerk, rate, rate2, mine);
      features(previous.data + ((bn / N) * T1 + shift) * S, n, S, p, smooth, jerk, rate, rate2,
               theirs);
      const bool ok = rms_difference(mine.accel, theirs.accel) <= p.max_rms_accel &&
                      rms_difference(mine.jerk, theirs.jerk) <= p.max_rms_jerk &&
                      rms_difference(mine.yaw_rate, theirs.yaw_rate) <= p.max_rms_yaw_rate &&
                      rms_difference(mine.yaw_accel, theirs.yaw_accel) <= p.max_rms_yaw_accel;
      score.data[bn] = ok ? 1.0f : 0.0f;
    }
  });
}

}  // namespace trajcore
