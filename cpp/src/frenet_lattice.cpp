// The Frenet lattice (trajcore/generators.hpp): polynomial maneuvers along a reference line,
// tracked into feasible trajectories.
//
// The longitudinal profiles depend on (speed, duration) only and the lateral ones on (offset,
// duration) only, so the line is evaluated once per longitudinal profile and step, and each
// candidate combines one of each with a few multiply-adds (no trigonometry per candidate but one
// arctangent for the heading).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "generator_common.hpp"
#include "parallel.hpp"
#include "trajcore/detail/scalar_math.hpp"
#include "trajcore/error.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

// The ego rear axle in the line's Frenet frame: s, d and their first two time derivatives.
struct FrenetStart {
  double s, ds, dds;
  double d, dd, ddd;
};

FrenetStart frenet_start(const ReferenceLine& line, const detail::RearAxle& ego,
                         const VehicleParams& p) {
  FrenetStart f;
  line.project(ego.x, ego.y, &f.s, &f.d);
  const ReferenceLine::Pose r = line.evaluate(f.s);
  const double h = line.spacing();
  const double dkappa =
      (line.evaluate(f.s + h).curvature - line.evaluate(f.s - h).curvature) / (2 * h);
  const double dtheta = std::remainder(ego.yaw - r.heading, 2 * M_PI);
  const double one_minus = std::max(1.0 - r.curvature * f.d, 1e-3);  // inside the centre: clamp
  const double c = std::cos(dtheta), s = std::sin(dtheta);
  const double yaw_rate = ego.v * std::tan(ego.steer) / p.wheelbase;
  f.ds = ego.v * c / one_minus;
  f.dd = ego.v * s;
  const double dtheta_rate = yaw_rate - r.curvature * f.ds;
  f.ddd = ego.a * s + ego.v * c * dtheta_rate;
  f.dds =
      (ego.a * c - ego.v * s * dtheta_rate + f.ds * (dkappa * f.ds * f.d + r.curvature * f.dd)) /
      one_minus;
  return f;
}

// The quartic s(t) from (s0, v0, a0) to speed v1 and acceleration 0 at D, then v1.
struct SpeedQuartic {
  double s0, v0, a0, a3, a4, D, v1;
  SpeedQuartic(double s_start, double v_start, double a_start, double target, double duration)
      : s0(s_start), v0(v_start), a0(a_start), D(duration), v1(target) {
    const double A = v1 - v0 - a0 * D, B = -a0;
    a4 = (0.5 * D * B - A) / (2 * D * D * D);
    a3 = (B - 12 * D * D * a4) / (6 * D);
  }
  double s(double t) const {
    if (t > D) return s(D) + v1 * (t - D);
    return s0 + t * (v0 + t * (0.5 * a0 + t * (a3 + t * a4)));
  }
  double v(double t) const {
    if (t > D) return v1;
    return v0 + t * (a0 + t * (3 * a3 + t * 4 * a4));
  }
};

double comfortable_duration(const FrenetStart& f, double v1, double D, double comfortable);

// A speed-up within the comfortable acceleration: from the ego's (v0, a0) the acceleration
// moves at a constant jerk to a plateau (from rest in kRampTime), holds it, and falls at the same
// jerk to 0 as the speed reaches v1 (a trapezoid); the plateau is the lowest that reaches v1 at D,
// and D grows where even `comfortable` does not reach it. A quartic ramps its acceleration up
// slowly (from rest, a(t) = 6 v1 t (D - t) / D^3: 0.6 m/s^2 after 0.5 s to 7.5 m/s), and a
// quartic stretched to stay within the bound more so: from a red light in SinD the ego fell 2 m
// behind the human within 3 s, and in NGSIM's USA_Peach-4_7 it crept from 0.1 to 1.9 m/s in 3 s.
constexpr double kRampTime = 0.8;  // s
// Below this speed a speed-up is a set-off: it ramps from the ego's speed and acceleration.
constexpr double kCreepSpeed = 1.0;  // m/s

struct SpeedRamp {
  double s0, v0, a0, v1, j, plateau, t_up, t_hold, t_down, T, v_a, v_b, s_a, s_b, s_T;
  // v1 > v0 and a0 < comfortable; `valid` is false where the lowest plateau would lie below a0
  // (the speed-up is gentler than the acceleration the ego already has: no trapezoid fits).
  bool valid = true;
  SpeedRamp(double s_start, double v_start, double a_start, double target, double D,
            double comfortable)
      : s0(s_start), v0(v_start), a0(a_start), v1(target), j(comfortable / kRampTime) {
    const double dv = target - v_start;
    // Reaching v1 at the plateau `comfortable` takes this long; a longer T lowers the plateau P:
    // dv = P T - P^2 / j + P a0 / j - a0^2 / (2 j).
    const double shortest =
        (dv + (comfortable * comfortable - comfortable * a0 + 0.5 * a0 * a0) / j) / comfortable;
    T = std::max(D, shortest);
    const double b = T + a0 / j, c = (dv + 0.5 * a0 * a0 / j) / j;
    plateau = std::min(0.5 * j * (b - std::sqrt(std::max(b * b - 4 * c, 0.0))), comfortable);
    if (plateau < a0) valid = false, plateau = a0;
    t_up = (plateau - a0) / j;
    t_down = plateau / j;
    t_hold = std::max(T - t_up - t_down, 0.0);
    v_a = v0 + a0 * t_up + 0.5 * j * t_up * t_up;
    s_a = t_up * (v0 + t_up * (0.5 * a0 + j * t_up / 6));
    v_b = v_a + plateau * t_hold;
    s_b = s_a + t_hold * (v_a + 0.5 * plateau * t_hold);
    s_T = s_b + t_down * (v_b + t_down * (0.5 * plateau - j * t_down / 6));
  }
  double v(double t) const {
    if (t <= 0) return v0;
    if (t < t_up) return v0 + t * (a0 + 0.5 * j * t);
    if (t < t_up + t_hold) return v_a + plateau * (t - t_up);
    if (t < T) {
      const double u = t - t_up - t_hold;
      return v_b + u * (plateau - 0.5 * j * u);
    }
    return v1;
  }
  double s(double t) const {
    if (t <= 0) return s0;
    if (t < t_up) return s0 + t * (v0 + t * (0.5 * a0 + j * t / 6));
    if (t < t_up + t_hold) {
      const double u = t - t_up;
      return s0 + s_a + u * (v_a + 0.5 * plateau * u);
    }
    if (t < T) {
      const double u = t - t_up - t_hold;
      return s0 + s_b + u * (v_b + u * (0.5 * plateau - j * u / 6));
    }
    return s0 + s_T + v1 * (t - T);
  }
};

// One speed profile: the quartic, or for a speed-up the comfortable acceleration bounds, the ramp.
struct SpeedProfile {
  bool ramp;
  SpeedQuartic quartic;
  SpeedRamp speed_up;
  double s(double t) const { return ramp ? speed_up.s(t) : quartic.s(t); }
  double v(double t) const { return ramp ? speed_up.v(t) : quartic.v(t); }
};

double quartic_peak_acceleration(const FrenetStart& f, double v1, double D);

// From rest (speed <= 0.05 m/s, |acceleration| <= 0.1 m/s^2) every speed-up ramps from (0, 0).
// Moving, a speed-up whose quartic over D would pass the bound ramps from the ego's speed and
// acceleration below kCreepSpeed, and above it is the quartic stretched to the shortest duration
// within the bound. Otherwise (no bound, slowing down, already accelerating harder than the
// bound, or a quartic within it) the quartic over D.
SpeedProfile speed_profile(const FrenetStart& f, double v1, double D, double comfortable) {
  const SpeedQuartic quartic(f.s, f.ds, f.dds, v1, D);
  // Unused where the quartic is; built at the bound 1 only to fill the member.
  const SpeedRamp unused(f.s, 0, 0, 1.0, D, 1.0);
  if (!std::isfinite(comfortable) || v1 <= 0) return {false, quartic, unused};
  if (f.ds <= 0.05 && std::fabs(f.dds) <= 0.1) {
    return {true, quartic, SpeedRamp(f.s, 0, 0, v1, D, comfortable)};
  }
  if (v1 <= f.ds || f.dds >= comfortable || quartic_peak_acceleration(f, v1, D) <= comfortable) {
    return {false, quartic, unused};
  }
  if (f.ds < kCreepSpeed) {
    const SpeedRamp ramp(f.s, f.ds, f.dds, v1, D, comfortable);
    if (ramp.valid) return {true, quartic, ramp};
  }
  return {false, SpeedQuartic(f.s, f.ds, f.dds, v1, comfortable_duration(f, v1, D, comfortable)),
          unused};
}

// The speed profile of target speed v1 over duration D from the ego's (s, v, a). Where its speed
// would turn negative (it starts braking hard, or a stop overshoots) the vehicle stands, and from
// there the maneuver starts again from rest over D. (Before, it drove on once the first
// quartic's speed turned positive again: from NGSIM's logged -8 m/s^2 at 2.4 m/s that was never
// within the horizon, and every candidate, whatever its target, stood.)
void longitudinal_profile(const FrenetStart& f, double v1, double D, double comfortable,
                          int64_t steps, double dt, double* s_out, double* v_out) {
  SpeedProfile profile = speed_profile(f, v1, D, comfortable);
  bool restarted = false;
  double t0 = 0;  // when the profile in use starts
  for (int64_t k = 0; k <= steps; ++k) {
    const double t = k * dt;
    double v = profile.v(t - t0);
    if (!restarted && v < 0) {
      FrenetStart rest = f;
      rest.s = k == 0 ? f.s : std::max(s_out[k - 1], f.s);
      rest.ds = 0, rest.dds = 0;
      profile = speed_profile(rest, v1, D, comfortable);
      restarted = true;
      t0 = k == 0 ? 0.0 : t - dt;  // it stood from the last step on
      v = profile.v(t - t0);
    }
    s_out[k] = profile.s(t - t0);
    v_out[k] = std::max(v, 0.0);
  }
}

// The quartic's largest acceleration on [0, D] (a(D) = 0).
double quartic_peak_acceleration(const FrenetStart& f, double v1, double D) {
  const double A = v1 - f.ds - f.dds * D, B = -f.dds;
  const double a4 = (0.5 * D * B - A) / (2 * D * D * D);
  const double a3 = (B - 12 * D * D * a4) / (6 * D);
  double peak = std::max(f.dds, 0.0);
  if (a4 != 0) {
    const double t = -a3 / (4 * a4);
    if (t > 0 && t < D) peak = std::max(peak, f.dds + t * (6 * a3 + 12 * a4 * t));
  }
  return peak;
}

// A speed-up takes at least the shortest duration whose quartic stays within `comfortable`
// (m/s^2): bisection on D (the peak falls as D grows). Slowing down keeps D: the firm stops are
// the safety net, and the longer durations brake gently already.
double comfortable_duration(const FrenetStart& f, double v1, double D, double comfortable) {
  if (!std::isfinite(comfortable) || v1 <= f.ds || f.dds >= comfortable ||
      quartic_peak_acceleration(f, v1, D) <= comfortable) {
    return D;
  }
  double lo = D, hi = 2 * D;
  for (int i = 0; i < 20 && quartic_peak_acceleration(f, v1, hi) > comfortable; ++i) {
    lo = hi, hi *= 2;
  }
  for (int i = 0; i < 40; ++i) {
    const double mid = 0.5 * (lo + hi);
    (quartic_peak_acceleration(f, v1, mid) > comfortable ? lo : hi) = mid;
  }
  return hi;
}

// Lateral quintic from (d0, dd0, ddd0) to (d1, 0, 0) at D; then d1.
struct LateralQuintic {
  double d0, dd0, ddd0, c3, c4, c5, D;
  LateralQuintic(const FrenetStart& f, double d1, double duration)
      : d0(f.d), dd0(f.dd), ddd0(f.ddd), D(duration) {
    const double h = d1 - (d0 + dd0 * D + 0.5 * ddd0 * D * D);
    const double hv = -(dd0 + ddd0 * D), ha = -ddd0;
    c3 = (10 * h - 4 * hv * D + 0.5 * ha * D * D) / (D * D * D);
    c4 = (-15 * h + 7 * hv * D - ha * D * D) / (D * D * D * D);
    c5 = (6 * h - 3 * hv * D + 0.5 * ha * D * D) / (D * D * D * D * D);
  }
  // d and its rate at maneuver time tau (held at d1 from D on).
  double d(double tau) const {
    const double t = std::min(tau, D);
    return d0 + t * (dd0 + t * (0.5 * ddd0 + t * (c3 + t * (c4 + t * c5))));
  }
  double rate(double tau) const {
    const double t = std::min(tau, D);
    return dd0 + t * (ddd0 + t * (3 * c3 + t * (4 * c4 + t * 5 * c5)));
  }
};

void lateral_profile(const LateralQuintic& q, int64_t steps, double dt, float* d_out,
                     float* dd_out) {
  for (int64_t k = 0; k <= steps; ++k) {
    d_out[k] = float(q.d(k * dt));
    dd_out[k] = float(q.rate(k * dt));
  }
}

// The travel (m) a lateral shift of `shift` metres needs: a minimum-jerk quintic over L metres
// bends the path by 10 / sqrt(3) * shift / L^2 at most, which the steering limit's curvature
// bounds. A vehicle that does not move along cannot move across: the maneuver's clock runs no
// faster than the travel allows (Werling et al.'s distance-based lateral profiles at low speed).
double lateral_travel(double shift, const VehicleParams& p) {
  const double max_curvature = std::tan(double(p.max_steering_angle)) / double(p.wheelbase);
  if (!(max_curvature > 0) || shift == 0) return 0.0;
  return std::sqrt(10.0 / std::sqrt(3.0) * std::fabs(shift) / max_curvature);
}

// Per longitudinal profile and step: the line's pose at s(t) and the profile's speed.
struct LineSamples {
  std::vector<float> x, y, cos_h, sin_h, heading, curvature, speed, travel;
  void resize(size_t n) {
    for (auto* a : {&x, &y, &cos_h, &sin_h, &heading, &curvature, &speed, &travel}) a->resize(n);
  }
};

}  // namespace

namespace detail {

double lattice_stop_duration(const ReferenceLine& line, const float* ego_state,
                             const VehicleParams& params, double distance, double min_duration,
                             double max_duration) {
  const FrenetStart f = frenet_start(line, rear_axle(ego_state, params), params);
  // Where the quartic to speed 0 ends, relative to the start (a stop at s = f.s when the speed
  // would turn negative first is never further than that end).
  auto reach = [&](double D) {
    const double A = -f.ds - f.dds * D, B = -f.dds;
    const double a4 = (0.5 * D * B - A) / (2 * D * D * D);
    const double a3 = (B - 12 * D * D * a4) / (6 * D);
    return f.ds * D + 0.5 * f.dds * D * D + a3 * D * D * D + a4 * D * D * D * D;
  };
  // reach(D) = D (v0 / 2 + a0 D / 12): it grows with D up to D = -3 v0 / a0 when braking now.
  double lo = min_duration, hi = max_duration;
  if (f.dds < 0) hi = std::min(hi, -3 * f.ds / f.dds);
  if (!(f.ds > 0.1) || reach(hi) < distance) return std::numeric_limits<double>::quiet_NaN();
  if (reach(lo) >= distance) return lo;  // nearer than a smooth stop reaches: the firmest
  for (int i = 0; i < 50; ++i) {
    const double mid = 0.5 * (lo + hi);
    (reach(mid) < distance ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace detail

void frenet_lattice(const FrenetLatticeRequest& rq, const CandidateOutputs& result) {
  const Shape scenes = detail::check_ego_state(rq.ego_state, rq.params);
  if (rq.reference_line == nullptr) throw Error("reference_line is null, expected a ReferenceLine");
  const double inf = std::numeric_limits<double>::infinity();
  detail::check_values(rq.lateral_offsets, "lateral_offsets", -detail::kMaxOffset, false,
                       detail::kMaxOffset);
  detail::check_values(rq.target_speeds, "target_speeds", 0.0, false, detail::kMaxSpeed);
  detail::check_values(rq.durations, "durations", 0.0, true, inf);
  if (!(rq.comfortable_acceleration > 0)) {
    throw Error("comfortable_acceleration is " + detail::value_str(rq.comfortable_acceleration) +
                ", expected > 0 m/s^2 (infinity: no bound)");
  }
  if (!std::isfinite(rq.dt) || rq.dt <= 0) {
    throw Error("dt is " + std::to_string(rq.dt) + ", expected a finite number > 0 (s)");
  }
  if (rq.steps < 1) {
    throw Error("T (steps) is " + std::to_string(rq.steps) + ", expected at least 1");
  }
  validate(rq.tracker);
  const ReferenceLine& line = *rq.reference_line;
  const int64_t T = rq.steps, P = T + 1;
  const int64_t n_off = int64_t(rq.lateral_offsets.size()),
                n_speed = int64_t(rq.target_speeds.size()), n_dur = int64_t(rq.durations.size());
  const int64_t N = n_off * n_speed * n_dur, B = scenes.numel();
  const double c = rq.params.rear_axle_to_center;

  detail::check_candidate_outputs(rq.ego_state, N, T, rq.params.has_trailer, result);
  for (int64_t n = 0; n < N; ++n) {
    result.offsets.data[n] = float(rq.lateral_offsets[size_t(n / (n_speed * n_dur))]);
    result.target_speeds.data[n] = float(rq.target_speeds[size_t(n / n_dur % n_speed)]);
    result.durations.data[n] = float(rq.durations[size_t(n % n_dur)]);
  }

  // Grown once per calling thread (a steady planning loop does not allocate); the workers of
  // parallel_for use them through these references.
  thread_local LineSamples lon_storage;
  thread_local std::vector<float> lat_d_storage, lat_dd_storage;
  LineSamples& lon = lon_storage;
  std::vector<float>& lat_d = lat_d_storage;
  std::vector<float>& lat_dd = lat_dd_storage;
  thread_local std::vector<LateralQuintic> quintics_storage;
  thread_local std::vector<double> travel_needed_storage;
  std::vector<LateralQuintic>& quintics = quintics_storage;
  std::vector<double>& travel_needed = travel_needed_storage;
  lon.resize(size_t(n_speed * n_dur * P));
  lat_d.resize(size_t(n_off * n_dur * P));
  lat_dd.resize(size_t(n_off * n_dur * P));
  for (int64_t b = 0; b < B; ++b) {
    const FrenetStart f =
        frenet_start(line, detail::rear_axle(rq.ego_state.data + b * 6, rq.params), rq.params);
    detail::parallel_for(n_speed * n_dur, 1, [&](int64_t begin, int64_t end) {
      thread_local std::vector<double> s, v;
      s.resize(size_t(P)), v.resize(size_t(P));
      for (int64_t m = begin; m < end; ++m) {
        const double v1 = rq.target_speeds[size_t(m / n_dur)];
        longitudinal_profile(f, v1, rq.durations[size_t(m % n_dur)], rq.comfortable_acceleration,
                             T, rq.dt, s.data(), v.data());
        for (int64_t k = 0; k < P; ++k) {
          const ReferenceLine::Pose pose = line.evaluate(s[size_t(k)]);
          const size_t at = size_t(m * P + k);
          lon.x[at] = float(pose.x), lon.y[at] = float(pose.y);
          lon.cos_h[at] = float(std::cos(pose.heading)),
          lon.sin_h[at] = float(std::sin(pose.heading));
          lon.heading[at] = float(std::remainder(pose.heading, 2 * M_PI));
          lon.curvature[at] = float(pose.curvature), lon.speed[at] = float(v[size_t(k)]);
          lon.travel[at] = float(s[size_t(k)] - f.s);
        }
      }
    });
    quintics.clear();
    travel_needed.clear();
    for (int64_t m = 0; m < n_off * n_dur; ++m) {
      const double d1 = rq.lateral_offsets[size_t(m / n_dur)];
      quintics.emplace_back(f, d1, rq.durations[size_t(m % n_dur)]);
      travel_needed.push_back(lateral_travel(d1 - f.d, rq.params));
      lateral_profile(quintics.back(), T, rq.dt, lat_d.data() + m * P, lat_dd.data() + m * P);
    }
    float* out = result.references.data + b * N * P * 4;
    detail::parallel_for(N, 8, [&](int64_t begin, int64_t end) {
      for (int64_t n = begin; n < end; ++n) {
        const int64_t i = n / (n_speed * n_dur), j = n / n_dur % n_speed, k = n % n_dur;
        const float* lx = lon.x.data() + (j * n_dur + k) * P;
        const float* ly = lon.y.data() + (j * n_dur + k) * P;
        const float* lc = lon.cos_h.data() + (j * n_dur + k) * P;
        const float* ls = lon.sin_h.data() + (j * n_dur + k) * P;
        const float* lh = lon.heading.data() + (j * n_dur + k) * P;
        const float* lk = lon.curvature.data() + (j * n_dur + k) * P;
        const float* lv = lon.speed.data() + (j * n_dur + k) * P;
        const float* lt = lon.travel.data() + (j * n_dur + k) * P;
        const float* d_time = lat_d.data() + (i * n_dur + k) * P;
        const float* dd_time = lat_dd.data() + (i * n_dur + k) * P;
        const LateralQuintic& q = quintics[size_t(i * n_dur + k)];
        const double needed = travel_needed[size_t(i * n_dur + k)];
        float* o = out + n * P * 4;
        for (int64_t t = 0; t < P; ++t) {
          // The maneuver's clock: time, or where it is behind (slow or standing), the travel's
          // share of the travel the shift needs.
          float d_t = d_time[t], dd_t = dd_time[t];
          if (double(lt[t]) * q.D < needed * (t * rq.dt)) {
            const double tau = double(lt[t]) * q.D / needed;
            d_t = float(q.d(tau));
            dd_t = float(q.rate(tau) * q.D * double(lv[t]) / needed);
          }
          // Velocity in the line's frame: along ds (1 - kappa d), across dd. Moving backwards
          // (a stopped profile has ds = 0) keeps the heading of forward travel.
          const float along = lv[t] * (1.0f - lk[t] * d_t);
          const float sign = along < 0.0f ? -1.0f : 1.0f;
          const float ax = along * sign, ay = dd_t * sign;
          const float speed = detail::sqrt_r(ax * ax + ay * ay);
          const bool moving = speed > 1e-6f;
          const float cos_d = moving ? ax / speed : 1.0f, sin_d = moving ? ay / speed : 0.0f;
          const float turn = detail::atan_ratio(ay < 0.0f ? -ay : ay, moving ? ax : 1.0f);
          const float cos_t = lc[t] * cos_d - ls[t] * sin_d, sin_t = ls[t] * cos_d + lc[t] * sin_d;
          const float rx = lx[t] - d_t * ls[t], ry = ly[t] + d_t * lc[t];
          o[t * 4 + 0] = rx + float(c) * cos_t;
          o[t * 4 + 1] = ry + float(c) * sin_t;
          o[t * 4 + 2] = lh[t] + (ay < 0.0f ? -turn : turn);
          o[t * 4 + 3] = sign * speed;
        }
      }
    });
  }
  detail::track_candidates(rq.ego_state, rq.dt, rq.params, rq.tracker, result);
}

void frenet_lattice(const FrenetLatticeRequest& rq, CandidateSet& result) {
  // Sized from the list lengths once ego_state and steps are known to be valid; the view
  // overload checks everything else.
  detail::check_ego_state(rq.ego_state, rq.params);
  if (rq.steps < 1) throw Error("steps is " + std::to_string(rq.steps) + ", expected at least 1");
  const int64_t n = int64_t(rq.lateral_offsets.size()) * int64_t(rq.target_speeds.size()) *
                    int64_t(rq.durations.size());
  frenet_lattice(rq,
                 detail::size_candidates(rq.ego_state, n, rq.steps, rq.params.has_trailer, result));
}

}  // namespace trajcore
