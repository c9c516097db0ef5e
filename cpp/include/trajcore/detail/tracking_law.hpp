// The control laws of trajcore::track (trajcore/track.hpp), written once for every precision and
// free of branches on the lane data, so the CPU kernel vectorises across candidates.
#pragma once

#include <cstdint>

#include "trajcore/detail/bicycle_step.hpp"
#include "trajcore/detail/hd.hpp"
#include "trajcore/detail/scalar_math.hpp"
#include "trajcore/track.hpp"
#include "trajcore/vehicle.hpp"

namespace trajcore::detail {

template <class R>
struct TrackerConstants {
  R dt;
  int32_t horizon;
  R longitudinal_gain;      // a_cmd = -gain * (v - v_ref): the one-step LQR solution
  R stopping_gain, stopping_speed;
  R q_lateral_error, q_heading_error, q_steering_angle, r_lateral;
  R jerk_per_accel_error;   // 1 / (dt + acceleration_lag)
  R rate_per_rate_command;  // dt / (dt + steering_lag)
  R rate_per_angle_error;   // 1 / (dt + steering_lag)
  R wheelbase, inv_wheelbase, center_offset;
  R lookahead_time, min_lookahead;
};

template <class R>
TrackerConstants<R> make_tracker_constants(const TrackerParams& t, const VehicleParams& p,
                                           double dt) {
  TrackerConstants<R> k;
  k.dt = R(dt);
  k.horizon = t.horizon;
  // One step of v_H = v + (H dt) a towards v_ref: minimises q (v_H - v_ref)^2 + r a^2.
  const double b = t.horizon * dt;
  k.longitudinal_gain = R(b * t.q_longitudinal / (b * b * t.q_longitudinal + t.r_longitudinal));
  k.stopping_gain = R(t.stopping_gain);
  k.stopping_speed = R(t.stopping_speed);
  k.q_lateral_error = R(t.q_lateral_error);
  k.q_heading_error = R(t.q_heading_error);
  k.q_steering_angle = R(t.q_steering_angle);
  k.r_lateral = R(t.r_lateral);
  k.jerk_per_accel_error = R(1.0 / (dt + t.acceleration_lag));
  k.rate_per_rate_command = R(dt / (dt + t.steering_lag));
  k.rate_per_angle_error = R(1.0 / (dt + t.steering_lag));
  k.wheelbase = R(p.wheelbase);
  k.inv_wheelbase = R(1.0 / double(p.wheelbase));
  k.center_offset = R(p.rear_axle_to_center);
  k.lookahead_time = R(t.lookahead_time);
  k.min_lookahead = R(t.min_lookahead);
  return k;
}

// Whether the stopping controller takes over, and the acceleration command.
template <class R>
TRAJCORE_HD bool stopping(const TrackerConstants<R>& k, R v, R v_ref) {
  return (v <= k.stopping_speed) & (v_ref <= k.stopping_speed);
}

template <class R>
TRAJCORE_HD R acceleration_command(const TrackerConstants<R>& k, bool stop, R v, R v_ref) {
  return -(stop ? k.stopping_gain : k.longitudinal_gain) * (v - v_ref);
}

// Tracking errors of the rear axle (px, py, yaw) against the reference rear-axle pose: lateral
// error (left positive) and heading error.
template <class R>
TRAJCORE_HD void lateral_errors(R px, R py, R yaw, R ref_x, R ref_y, R ref_yaw, R ref_cos,
                                R ref_sin, R* lateral, R* heading) {
  *lateral = (py - ref_y) * ref_cos - (px - ref_x) * ref_sin;
  *heading = wrap_angle(yaw - ref_yaw);
}

// The lateral LQR: the steering rate, held over the horizon, that minimises the weighted error
// (lateral, heading, steering) at its end, with the linear dynamics
//   e' = e + w dt psi,  psi' = psi + w dt (delta / L - kappa),  delta' = delta + dt u
// at speeds w_i = max(0, v + a_cmd i dt) and reference curvatures kappa_i, i < horizon. The
// end state is z + u b: z the response to the initial errors, b the response to a unit input.
// Split in three so the CPU kernel can run the horizon loop across lanes.
template <class R>
struct LqrResponse {
  R ze, zp, zd;  // zero input
  R be, bp, bd;  // unit input
};

template <class R>
TRAJCORE_HD LqrResponse<R> lqr_start(R lateral, R heading, R steer) {
  return LqrResponse<R>{lateral, heading, steer, R(0), R(0), R(0)};
}

template <class R>
TRAJCORE_HD void lqr_advance(const TrackerConstants<R>& k, int32_t i, R v, R a_cmd, R kappa,
                             LqrResponse<R>* r) {
  const R w = v + a_cmd * (k.dt * R(i));
  const R wdt = (w > R(0) ? w : R(0)) * k.dt;
  r->ze += wdt * r->zp;
  r->zp += wdt * (r->zd * k.inv_wheelbase - kappa);
  r->be += wdt * r->bp;
  r->bp += wdt * r->bd * k.inv_wheelbase;
  r->bd += k.dt;
}

template <class R>
TRAJCORE_HD R lqr_solve(const TrackerConstants<R>& k, const LqrResponse<R>& r) {
  const R zp = wrap_angle(r.zp), zd = wrap_angle(r.zd);
  const R num = k.q_lateral_error * r.be * r.ze + k.q_heading_error * r.bp * zp +
                k.q_steering_angle * r.bd * zd;
  const R den = k.q_lateral_error * r.be * r.be + k.q_heading_error * r.bp * r.bp +
                k.q_steering_angle * r.bd * r.bd + k.r_lateral;
  return -num / den;
}

// The whole lateral LQR for one vehicle; kappa(i) gives the reference curvature i steps ahead.
template <class R, class Curvature>
TRAJCORE_HD R lqr_steering_rate_command(const TrackerConstants<R>& k, R lateral, R heading,
                                        R steer, R v, R a_cmd, const Curvature& kappa) {
  LqrResponse<R> r = lqr_start(lateral, heading, steer);
  for (int32_t i = 0; i < k.horizon; ++i) lqr_advance(k, i, v, a_cmd, kappa(i), &r);
  return lqr_solve(k, r);
}

// Pure pursuit: the front-wheel angle of the arc from the rear axle (px, py, yaw) through the
// target point.
template <class R>
TRAJCORE_HD R pure_pursuit_angle(const TrackerConstants<R>& k, R px, R py, R yaw, R tx, R ty) {
  const R dx = tx - px, dy = ty - py;
  R s, c;
  sincos_r(yaw, &s, &c);
  const R ahead = dx * c + dy * s, left = dy * c - dx * s;
  const R dist_sq = ahead * ahead + left * left;
  // curvature = 2 sin(alpha) / D = 2 left / D^2
  const R curvature = dist_sq > R(1e-12) ? R(2) * left / dist_sq : R(0);
  const R tan_steer = k.wheelbase * curvature;
  const R magnitude = atan_ratio(tan_steer < R(0) ? -tan_steer : tan_steer, R(1));
  return tan_steer < R(0) ? -magnitude : magnitude;
}

// The vehicle's (jerk, steering rate) after the actuator lags.
template <class R>
TRAJCORE_HD R lagged_jerk(const TrackerConstants<R>& k, R a, R a_cmd) {
  return (a_cmd - a) * k.jerk_per_accel_error;
}

}  // namespace trajcore::detail
