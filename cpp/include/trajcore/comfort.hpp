// Comfort: nuPlan's six comfort bounds on a candidate's accelerations, jerks and yaw motion, with
// PDM-Closed's derivative estimation (Savitzky-Golay filters as in tuPlan Garage
// pdm_comfort_metrics.py, reproduced with scipy's edge handling), every window a parameter.
// docs/scoring.md ("Comfort").
//
// Series per candidate, from states (..., T+1, S) (yaw field 2, v field 3, a field 4):
//   lon_accel   = savgol(a, lon_accel_window, poly 2)
//   lat_accel   = 0 (PDM-Closed's simulated states carry no lateral acceleration) or
//                 v * yaw_rate (kSpeedTimesYawRate)
//   jerk        = d/dt savgol(hypot(a, a_lat), jerk_smoothing_window, 2), jerk_window, poly 2
//   lon_jerk    = the same on a
//   yaw_rate    = d/dt of the unwrapped yaw, yaw_rate_window, poly 2
//   yaw_accel   = d2/dt2 of the unwrapped yaw, yaw_accel_window, poly 3
// Each series is rounded to `decimals` decimals (numpy's round) and must lie strictly inside its
// bounds at every step. A window of 0 means the whole horizon; windows longer than the horizon
// shrink to it.
#pragma once

#include <cstdint>

#include "trajcore/tensor.hpp"

namespace trajcore {

// Bits of ComfortOutputs::failed, one per bound (PDM-Closed's order).
enum ComfortBound : int32_t {
  kComfortLonAccel = 1,
  kComfortLatAccel = 2,
  kComfortJerk = 4,
  kComfortLonJerk = 8,
  kComfortYawAccel = 16,
  kComfortYawRate = 32,
};

enum class LateralAcceleration : int32_t { kZero = 0, kSpeedTimesYawRate = 1 };

struct ComfortParams {
  double max_lon_accel = 2.40, min_lon_accel = -4.05;  // m/s^2
  double max_abs_lat_accel = 4.89;                     // m/s^2
  double max_abs_jerk = 8.37;                          // m/s^3
  double max_abs_lon_jerk = 4.13;                      // m/s^3
  double max_abs_yaw_accel = 1.93;                     // rad/s^2
  double max_abs_yaw_rate = 0.95;                      // rad/s
  // Savitzky-Golay windows (steps; 0: the whole horizon). PDM-Closed's defaults, quirks included:
  // its yaw-rate and yaw-acceleration filters fall back to a window of 5.
  int32_t lon_accel_window = 0;
  int32_t jerk_smoothing_window = 8;
  int32_t jerk_window = 0;
  int32_t yaw_rate_window = 5;
  int32_t yaw_accel_window = 5;
  int32_t decimals = 8;  // < 0: no rounding
  LateralAcceleration lateral = LateralAcceleration::kZero;
};

struct ComfortOutputs {
  TensorView<float> score;         // (...) 1 comfortable, 0 not
  TensorView<int32_t> failed;      // (...) ComfortBound bits of the bounds left
  TensorView<int32_t> first_step;  // (...) first step outside a bound, -1 without
  // Optional (..., 6, T+1): the six rounded series in ComfortBound order (lon_accel, lat_accel,
  // jerk, lon_jerk, yaw_accel, yaw_rate).
  TensorView<float> series;
};

void comfort(TensorView<const float> states, double dt, const ComfortParams& params,
             const ComfortOutputs& out);

// NAVSIM v2's extended comfort (pdm_comfort_metrics.ego_is_two_frame_extended_comfort): how much a
// candidate's motion differs from the previous frame's trajectory over the time they share. The
// previous trajectory, `shift` steps older, is aligned as previous[shift + t] with states[t] for
// t < T+1 - shift. On each, over those steps:
//   acceleration = round(savgol(hypot(a, a_lat), accel_window, poly 2))
//   jerk         = round(d/dt savgol(acceleration, jerk_window, poly 2))
//   yaw_rate     = round(d/dt savgol(unwrapped yaw, yaw_window, poly 2))
//   yaw_accel    = round(d2/dt2 savgol(unwrapped yaw, yaw_window, poly 2))
// (windows shrink to the overlap). The score is 1 when the root mean square of each feature's
// difference is at most its bound, else 0; without an overlap (shift > T) it is 1.
struct ExtendedComfortParams {
  double max_rms_accel = 0.7;      // m/s^2
  double max_rms_jerk = 0.5;       // m/s^3
  double max_rms_yaw_rate = 0.1;   // rad/s
  double max_rms_yaw_accel = 0.1;  // rad/s^2
  int32_t accel_window = 8;
  int32_t jerk_window = 15;
  int32_t yaw_window = 5;
  int32_t decimals = 8;
  LateralAcceleration lateral = LateralAcceleration::kZero;
};

// states (B, N, T+1, S) or (N, T+1, S); previous (B, T+1, S) or (T+1, S), one per scene; score
// (B, N) or (N).
void extended_comfort(TensorView<const float> states, TensorView<const float> previous,
                      int32_t shift, double dt, const ExtendedComfortParams& params,
                      TensorView<float> score);

}  // namespace trajcore
