// One step of the kinematic bicycle with limits (and an optional trailer), written once for every
// precision: float (the vectorised fast path), double, and the dual numbers of the backward.
// The model and its limits are described in trajcore/rollout.hpp and docs/rollout.md.
#pragma once

#include <cstdint>

#include "trajcore/detail/hd.hpp"
#include "trajcore/detail/scalar_math.hpp"
#include "trajcore/rollout.hpp"
#include "trajcore/vehicle.hpp"

namespace trajcore::detail {

template <class R>
struct BicycleConstants {
  R dt, inv_dt;
  R inv_wheelbase, center_offset;  // center_offset: rear axle to box centre
  R max_jerk, max_acceleration, max_deceleration;
  R max_steering_angle, max_steering_rate;
  R lateral_tan_scale;  // max_lateral_acceleration * wheelbase: |tan(steer)| <= this / v^2
  // Trailer.
  R hitch_offset, inv_trailer_wheelbase, hitch_to_trailer_center, max_articulation;
};

template <class R>
BicycleConstants<R> make_bicycle_constants(const VehicleParams& p, double dt) {
  BicycleConstants<R> k;
  k.dt = R(dt);
  k.inv_dt = R(1.0 / dt);
  k.inv_wheelbase = R(1.0 / double(p.wheelbase));
  k.center_offset = R(p.rear_axle_to_center);
  k.max_jerk = R(p.max_jerk);
  k.max_acceleration = R(p.max_acceleration);
  k.max_deceleration = R(p.max_deceleration);
  k.max_steering_angle = R(p.max_steering_angle);
  k.max_steering_rate = R(p.max_steering_rate);
  k.lateral_tan_scale = R(double(p.max_lateral_acceleration) * double(p.wheelbase));
  k.hitch_offset = R(p.trailer.hitch_offset);
  k.inv_trailer_wheelbase = R(p.has_trailer ? 1.0 / double(p.trailer.wheelbase) : 0.0);
  k.hitch_to_trailer_center = R(double(p.trailer.wheelbase) - double(p.trailer.axle_to_center));
  k.max_articulation = R(p.trailer.max_articulation);
  return k;
}

// A vehicle state, with cos and sin of yaw and tan of steer carried so that each step computes
// them once (complete_state() fills them in for a new state).
template <class R>
struct BicycleState {
  R x, y, yaw, v, a, steer;
  R articulation;  // tractor yaw minus trailer yaw (0 without a trailer)
  R c, s, tan_steer;
};

template <class R>
TRAJCORE_HD R wrap_angle(R x) {
  const R pi = R(3.14159265358979323846);
  const R two_pi = R(6.28318530717958647692);
  const R w = x - two_pi * floor_r((x + pi) * R(0.159154943091895335769));  // 1 / (2 pi)
  return w >= pi ? w - two_pi : w;
}

// wrap_angle for an input angle of any magnitude: beyond 1e4 rad the product above loses the
// angle (1e20 came back 1e13 rad off, and the tracker's LQR turned that into NaN), so the exact
// IEEE remainder in double comes first. For inputs only; the steps keep the fast form.
template <class R>
TRAJCORE_HD R wrap_input_angle(R x) {
  if (x > R(1e4) || x < R(-1e4)) x = R(remainder_r(double(x), 6.28318530717958647692));
  return wrap_angle(x);
}

template <class R>
TRAJCORE_HD R tan_r(R x) {
  R s, c;
  sincos_r(x, &s, &c);
  return s / c;
}

// tan a and tan b with one division.
template <class R>
TRAJCORE_HD void tan_pair(R a, R b, R* tan_a, R* tan_b) {
  R sa, ca, sb, cb;
  sincos_r(a, &sa, &ca);
  sincos_r(b, &sb, &cb);
  const R inv = R(1) / (ca * cb);
  *tan_a = sa * cb * inv;
  *tan_b = sb * ca * inv;
}

template <class R>
TRAJCORE_HD void complete_state(BicycleState<R>* st) {
  sincos_r(st->yaw, &st->s, &st->c);
  st->tan_steer = tan_r(st->steer);
}

// Advances `in` by one step under (jerk_cmd, rate_cmd); returns the Saturation bits.
template <class R, bool kTrailer>
TRAJCORE_HD int32_t bicycle_step(const BicycleConstants<R>& k, const BicycleState<R>& in,
                                 R jerk_cmd, R rate_cmd, BicycleState<R>* out) {
  const R zero = R(0), half = R(0.5), two = R(2);
  const R dt = k.dt;
  int32_t flags = 0;

  // Jerk: its own limit first, then what keeps the acceleration in range at the step's end
  // (the acceleration is linear within the step, so in range throughout).
  const R j_limited = clamp_r(jerk_cmd, -k.max_jerk, k.max_jerk);
  flags |= j_limited != jerk_cmd ? kSaturationJerk : 0;
  const R j_lo = (-k.max_deceleration - in.a) * k.inv_dt;
  const R j_hi = (k.max_acceleration - in.a) * k.inv_dt;
  const R j = clamp_r(j_limited, j_lo, j_hi);
  flags |= j != j_limited ? kSaturationAcceleration : 0;

  // Speed v(t) = v + a t + j t^2 / 2. If it would turn negative inside the step, the vehicle stops
  // at its first zero and stays there.
  const R v_end = in.v + dt * (in.a + half * j * dt);
  // (Bitwise & and | keep the lane loop free of branches.)
  // The minimum v - a^2 / (2 j) of a convex speed, compared without dividing by j > 0.
  const R disc = in.a * in.a - two * j * in.v;
  const bool dips = (j > zero) & (in.a < zero) & (-in.a < j * dt) & (disc > zero);
  const bool stops = (v_end < zero) | dips;
  const R root = sqrt_r(disc > zero ? disc : zero);
  // The first non-negative zero, from whichever root formula does not cancel.
  const bool concave = (in.a >= zero) & (j < zero);
  const R t_stop = (concave ? in.a + root : two * in.v) / (concave ? -j : root - in.a);
  const R h = stops ? (t_stop < dt ? t_stop : dt) : dt;  // time in motion
  flags |= stops ? kSaturationStandstill : 0;
  const R a_end = clamp_r(in.a + j * dt, -k.max_deceleration, k.max_acceleration);

  // Steering: rate limit, then the angle window (mechanical or lateral-acceleration, whichever is
  // tighter at the step's end speed), then the rate limit again, which wins a conflict.
  const R v_next = stops ? zero : v_end;
  const R r_limited = clamp_r(rate_cmd, -k.max_steering_rate, k.max_steering_rate);
  flags |= r_limited != rate_cmd ? kSaturationSteeringRate : 0;
  const R v_sq = v_next * v_next > R(1e-6) ? v_next * v_next : R(1e-6);
  const R lateral_bound = atan_ratio(k.lateral_tan_scale, v_sq);
  const bool lateral_tighter = lateral_bound < k.max_steering_angle;
  const R bound = lateral_tighter ? lateral_bound : k.max_steering_angle;
  const R r_windowed =
      clamp_r(r_limited, (-bound - in.steer) * k.inv_dt, (bound - in.steer) * k.inv_dt);
  flags |= r_windowed != r_limited
               ? (lateral_tighter ? kSaturationLateralAcceleration : kSaturationSteeringAngle)
               : 0;
  const R r = clamp_r(r_windowed, -k.max_steering_rate, k.max_steering_rate);
  flags |= r != r_windowed ? kSaturationSteeringRate : 0;
  const R steer_end = clamp_r(in.steer + r * dt, -k.max_steering_angle, k.max_steering_angle);

  // Motion over [0, h]: RK4 on the rear axle (x, y, yaw). The yaw rate depends on time only.
  const R hh = half * h;
  const R v_mid = in.v + hh * (in.a + half * j * hh);
  const R v_h = stops ? zero : v_end;
  // Steering at h is steer_end: equal when h = dt, and irrelevant (v_h = 0) after a stop.
  R tan_mid, tan_end;
  tan_pair(in.steer + r * hh, steer_end, &tan_mid, &tan_end);
  const R w0 = in.v * in.tan_steer * k.inv_wheelbase;
  const R w_mid = v_mid * tan_mid * k.inv_wheelbase;
  const R w_h = v_h * tan_end * k.inv_wheelbase;
  R s2, c2, s3, c3, s4, c4;  // sin/cos of the stage yaw offsets
  sincos_r(hh * w0, &s2, &c2);
  sincos_r(hh * w_mid, &s3, &c3);
  sincos_r(h * w_mid, &s4, &c4);
  const R cos2 = in.c * c2 - in.s * s2, sin2 = in.s * c2 + in.c * s2;
  const R cos3 = in.c * c3 - in.s * s3, sin3 = in.s * c3 + in.c * s3;
  const R cos4 = in.c * c4 - in.s * s4, sin4 = in.s * c4 + in.c * s4;
  const R sixth = h * R(0.166666666666666666667);
  const R dx = sixth * (in.v * in.c + two * v_mid * (cos2 + cos3) + v_h * cos4);
  const R dy = sixth * (in.v * in.s + two * v_mid * (sin2 + sin3) + v_h * sin4);
  const R yaw_end = wrap_angle(in.yaw + sixth * (w0 + R(4) * w_mid + w_h));
  R s_end, c_end;
  sincos_r(yaw_end, &s_end, &c_end);

  R articulation_end = zero;
  if (kTrailer) {
    // d(art)/dt = yaw rate - trailer yaw rate, the trailer turning about its axle under the
    // hitch's velocity: (v sin(art) + hitch_offset * yaw_rate * cos(art)) / trailer wheelbase.
    auto rate = [&](R v_t, R w_t, R art) {
      R sa, ca;
      sincos_r(art, &sa, &ca);
      return w_t - (v_t * sa + k.hitch_offset * w_t * ca) * k.inv_trailer_wheelbase;
    };
    const R k1 = rate(in.v, w0, in.articulation);
    const R k2 = rate(v_mid, w_mid, in.articulation + hh * k1);
    const R k3 = rate(v_mid, w_mid, in.articulation + hh * k2);
    const R k4 = rate(v_h, w_h, in.articulation + h * k3);
    articulation_end = in.articulation + sixth * (k1 + two * (k2 + k3) + k4);
    const R limit = k.max_articulation;
    flags |= (articulation_end > limit) | (articulation_end < -limit) ? kSaturationArticulation : 0;
  }

  out->x = in.x + dx + k.center_offset * (c_end - in.c);
  out->y = in.y + dy + k.center_offset * (s_end - in.s);
  out->yaw = yaw_end;
  out->v = v_next;
  out->a = stops ? zero : a_end;
  out->steer = steer_end;
  out->articulation = articulation_end;
  out->c = c_end;
  out->s = s_end;
  out->tan_steer = tan_end;
  return flags;
}

// Pose (x, y, yaw) of the trailer's box centre for a tractor state.
template <class R>
TRAJCORE_HD void trailer_pose(const BicycleConstants<R>& k, const BicycleState<R>& st, R* pose) {
  const R back = k.hitch_offset - k.center_offset;  // box centre to hitch, forward positive
  const R trailer_yaw = st.yaw - st.articulation;
  R s, c;
  sincos_r(trailer_yaw, &s, &c);
  pose[0] = st.x + back * st.c - k.hitch_to_trailer_center * c;
  pose[1] = st.y + back * st.s - k.hitch_to_trailer_center * s;
  pose[2] = wrap_angle(trailer_yaw);
}

}  // namespace trajcore::detail
