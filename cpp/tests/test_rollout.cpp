// rollout from C++: closed-form manoeuvres, the backward against finite differences, argument
// errors, and allocation-free warm calls.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "allocation_counter.hpp"
#include "expect_throws.hpp"
#include "trajcore/error.hpp"
#include "trajcore/rollout.hpp"

namespace {

using trajcore::BasicRolloutOutputs;
using trajcore::BasicRolloutRequest;
using trajcore::Error;
using trajcore::RolloutRequest;
using trajcore::RolloutResult;
using trajcore::Shape;
using trajcore::VehicleParams;

struct Case {
  std::vector<float> state0;
  std::vector<float> controls;
  RolloutRequest request(int64_t n, int64_t steps) const {
    RolloutRequest r;
    r.state0 = {state0.data(), Shape{6}, {}};
    r.controls = {controls.data(), Shape{n, steps, 2}, {}};
    r.params = VehicleParams::passenger_car();
    r.dt = 0.1;
    return r;
  }
};

TEST(Rollout, ConstantSpeedCircleIsExact) {
  // Constant speed and steering: the rear axle runs on a circle of radius wheelbase / tan(steer).
  const float steer = 0.1f, v = 8.f;
  Case c{{0, 0, 0, v, 0, steer}, std::vector<float>(50 * 2, 0.f)};
  RolloutResult res;
  trajcore::rollout(c.request(1, 50), res);
  const VehicleParams p = VehicleParams::passenger_car();
  const double R = p.wheelbase / std::tan(double(steer));
  for (int t = 0; t <= 50; ++t) {
    const float* s = res.states.data() + t * 6;
    const double xr = s[0] - p.rear_axle_to_center * std::cos(s[2]);
    const double yr = s[1] - p.rear_axle_to_center * std::sin(s[2]);
    EXPECT_NEAR(std::hypot(xr + p.rear_axle_to_center, yr - R), R, 1e-3) << "step " << t;
    EXPECT_NEAR(s[3], v, 1e-6);
    EXPECT_EQ(res.saturation.data()[t < 50 ? t : 49], 0);
  }
}

TEST(Rollout, BackwardMatchesFiniteDifferences) {
  std::mt19937 gen(3);
  std::normal_distribution<double> n01(0, 1);
  const int64_t N = 3, T = 15;
  std::vector<double> s0 = {1, 2, 0.3, 7, 0.2, 0.02};
  std::vector<double> u(N * T * 2), w((N * (T + 1)) * 6);
  for (int64_t i = 0; i < N * T; ++i) u[2 * i] = 0.5 * n01(gen), u[2 * i + 1] = 0.03 * n01(gen);
  for (double& x : w) x = n01(gen);  // loss = sum(w * states)
  BasicRolloutRequest<double> rq;
  rq.state0 = {s0.data(), Shape{6}, {}};
  rq.controls = {u.data(), Shape{N, T, 2}, {}};
  rq.params = VehicleParams::passenger_car();
  rq.dt = 0.1;
  auto loss = [&]() {
    std::vector<double> states(w.size());
    std::vector<int32_t> sat(N * T);
    trajcore::rollout(rq, BasicRolloutOutputs<double>{{states.data(), Shape{N, T + 1, 6}, {}},
                                                      {sat.data(), Shape{N, T}, {}},
                                                      {}});
    double l = 0;
    for (size_t i = 0; i < w.size(); ++i) l += w[i] * states[i];
    return l;
  };
  std::vector<double> g_state(N * 6), g_u(u.size());
  trajcore::rollout_backward(rq, {w.data(), Shape{N, T + 1, 6}, {}}, {},
                             {{g_state.data(), Shape{N, 6}, {}}, {g_u.data(), Shape{N, T, 2}, {}}, {}});
  const double eps = 1e-6;
  for (size_t i = 0; i < u.size(); i += 7) {
    const double keep = u[i];
    u[i] = keep + eps;
    const double up = loss();
    u[i] = keep - eps;
    const double down = loss();
    u[i] = keep;
    EXPECT_NEAR(g_u[i], (up - down) / (2 * eps), 1e-5 * (1 + std::fabs(g_u[i]))) << "control " << i;
  }
  for (int f = 0; f < 6; ++f) {
    const double keep = s0[f];
    s0[f] = keep + eps;
    const double up = loss();
    s0[f] = keep - eps;
    const double down = loss();
    s0[f] = keep;
    double total = 0;  // state0 is shared by the N candidates
    for (int64_t n = 0; n < N; ++n) total += g_state[n * 6 + f];
    EXPECT_NEAR(total, (up - down) / (2 * eps), 1e-5 * (1 + std::fabs(total))) << "state field " << f;
  }
}

TEST(Rollout, ArgumentErrorsNameTheArgument) {
  Case c{{0, 0, 0, 5, 0, 0}, std::vector<float>(4 * 2, 0.f)};
  RolloutResult res;
  RolloutRequest rq = c.request(2, 2);
  rq.dt = 0;
  EXPECT_THROWS_MESSAGE(trajcore::rollout(rq, res), Error, "dt is 0, expected a finite number > 0 (s)");
  rq = c.request(2, 2);
  c.controls[5] = NAN;
  EXPECT_THROWS_MESSAGE(trajcore::rollout(rq, res), Error,
                        "controls[1, 0, 1] (steering rate) is nan, expected a finite number");
  c.controls[5] = 0;
  rq.params.wheelbase = 0;
  EXPECT_THROWS_MESSAGE(trajcore::rollout(rq, res), Error, "params.wheelbase is 0, expected > 0");
  rq = c.request(2, 2);
  c.state0[3] = -2;
  EXPECT_THROWS_MESSAGE(trajcore::rollout(rq, res), Error,
                        "state0 (v) is -2, expected >= 0 (the model does not reverse)");
}

TEST(Rollout, WarmCallsDoNotAllocate) {
  Case c{{0, 0, 0, 10, 0, 0}, std::vector<float>(64 * 40 * 2, 0.5f)};
  RolloutRequest rq = c.request(64, 40);
  rq.params = VehicleParams::semi_truck();
  RolloutResult res;
  trajcore::rollout(rq, res);
  trajcore::rollout(rq, res);
  const long before = trajcore::testing::allocations.load();
  trajcore::rollout(rq, res);
  EXPECT_EQ(trajcore::testing::allocations.load() - before, 0);
  EXPECT_TRUE(res.trailer.defined());
}

}  // namespace
