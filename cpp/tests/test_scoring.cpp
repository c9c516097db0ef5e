// score(): a warm scoring call performs no heap allocation (the planner's loop depends on it),
// and the result's memory is reused.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "allocation_counter.hpp"
#include "highway_map.hpp"
#include "trajcore/collision_metrics.hpp"
#include "trajcore/scoring.hpp"
#include "trajcore/vehicle.hpp"
#include "trajcore/threading.hpp"

namespace {

using trajcore::Shape;

// N candidates at varied speeds and lanes of the highway, M agents with K modes.
struct HighwayScene {
  std::vector<float> states, agents, extent, prob;
  std::vector<int32_t> types;
  int64_t N, M, K, T1 = 41;

  HighwayScene(int64_t n, int64_t m, int64_t k) : N(n), M(m), K(k) {
    for (int64_t i = 0; i < N; ++i) {
      const double y = 3.7 * (i % 3), v = 4.0 + (i % 7) * 2.0, a = -1.0 + (i % 5) * 0.5;
      for (int64_t t = 0; t < T1; ++t) {
        const double s = 0.1 * t;
        states.insert(states.end(), {float(v * s + 0.5 * a * s * s), float(y + 0.02 * (i % 4) * t),
                                     0.f, float(std::max(v + a * s, 0.0)), float(a), 0.f});
      }
    }
    for (int64_t j = 0; j < M; ++j) {
      for (int64_t mode = 0; mode < K; ++mode) {
        for (int64_t t = 0; t < T1; ++t) {
          agents.insert(agents.end(), {float(10.0 + 7.0 * j + (6.0 + mode) * 0.1 * t),
                                       float(3.7 * (j % 3)), 0.f});
        }
        prob.push_back(1.0f / float(K));
      }
      extent.insert(extent.end(), {4.6f, 1.9f});
      types.push_back(int32_t(j % 4));
    }
  }
};

TEST(Score, WarmCallsDoNotAllocate) {
  const HighwayScene s(120, 12, 3);
  const HighwayMap highway;
  trajcore::ScoreRequest rq;
  rq.states = {s.states.data(), Shape{s.N, s.T1, 6}, {}};
  rq.agents = {s.agents.data(), Shape{s.M, s.K, s.T1, 3}, {}};
  rq.agent_extent = {s.extent.data(), Shape{s.M, 2}, {}};
  rq.agent_prob = {s.prob.data(), Shape{s.M, s.K}, {}};
  rq.agent_type = {s.types.data(), Shape{s.M}, {}};
  rq.length = 5.176f;
  rq.width = 2.297f;
  rq.rear_axle_to_center = 1.461f;
  rq.road_map = highway.map.get();
  rq.route_lanes = {1};
  rq.centerline = highway.line.get();
  const int threads = trajcore::get_num_threads();
  trajcore::set_num_threads(1);  // one thread: its buffers are certainly warm after one call
  for (const char* name : {"pdm_closed", "navsim_pdms", "trajcore_default"}) {
    rq.profile = trajcore::ScoringProfile::named(name);
    trajcore::ScoreResult r;
    trajcore::score(rq, r);
    const float* total = r.total.data();
    const long before = trajcore::testing::allocations.load();
    for (int i = 0; i < 3; ++i) trajcore::score(rq, r);
    EXPECT_EQ(trajcore::testing::allocations.load() - before, 0) << name;
    EXPECT_EQ(r.total.data(), total);
    // The scene exercises the metrics: some candidates collide, some score well.
    int collided = 0, good = 0;
    for (int64_t i = 0; i < s.N; ++i) {
      collided += r.collision_step.data()[i] >= 0;
      good += r.total.data()[i] > 0.5f;
    }
    EXPECT_GT(collided, 0) << name;
    EXPECT_GT(good, 0) << name;
  }
  trajcore::set_num_threads(threads);
}

}  // namespace

// The planner's rule for sideways contacts with pedestrians and cyclists (the Python twin:
// tests/test_collision_metrics.py, tests/test_scoring.py): a cyclist beside the ego's middle,
// both moving, the ego inside one lane. nuPlan's classification leaves it not at fault; with
// vru_lateral_at_fault it is the ego's, for a bicycle or a pedestrian but not for a car.
TEST(AtFault, SidewaysContactWithACyclistIsTheEgosUnderThePlannersRule) {
  const int64_t T1 = 11;
  std::vector<float> states, agents;
  for (int64_t t = 0; t < T1; ++t) {
    const float x = 1.0f * float(t);
    states.insert(states.end(), {x, 0.f, 0.f, 10.f, 0.f, 0.f});
    agents.insert(agents.end(), {x + 0.5f, 1.4f, 0.f});  // overlaps the ego's left side
  }
  std::vector<int32_t> areas(T1, 0), first{5};
  std::vector<float> extent{1.8f, 0.7f}, score(1);
  std::vector<int32_t> first_out(1), kind(1);
  const trajcore::VehicleParams car = trajcore::VehicleParams::passenger_car();
  for (const auto& [type, rule, at_fault] :
       {std::tuple{trajcore::AgentType::kBicycle, false, false},
        std::tuple{trajcore::AgentType::kBicycle, true, true},
        std::tuple{trajcore::AgentType::kPedestrian, true, true},
        std::tuple{trajcore::AgentType::kVehicle, true, false}}) {
    const int32_t agent_type = static_cast<int32_t>(type);
    trajcore::AtFaultRequest rq;
    rq.states = {states.data(), Shape{1, T1, 6}, {}};
    rq.areas = {areas.data(), Shape{1, T1}, {}};
    rq.agents = {agents.data(), Shape{1, 1, T1, 3}, {}};
    rq.agent_extent = {extent.data(), Shape{1, 2}, {}};
    rq.agent_type = {&agent_type, Shape{1}, {}};
    rq.agent_first_step = {first.data(), Shape{1, 1, 1}, {}};
    rq.length = car.length, rq.width = car.width;
    rq.rear_axle_to_center = car.rear_axle_to_center;
    rq.vru_lateral_at_fault = rule;
    trajcore::at_fault_collisions(rq, {{score.data(), Shape{1}, {}},
                                       {},
                                       {first_out.data(), Shape{1}, {}},
                                       {kind.data(), Shape{1, 1, 1}, {}}});
    EXPECT_EQ(kind[0], static_cast<int32_t>(trajcore::CollisionType::kActiveLateral));
    EXPECT_EQ(score[0], at_fault ? 0.0f : 1.0f) << int(type) << " " << rule;
    EXPECT_EQ(first_out[0], at_fault ? 5 : -1);
  }
  // The presets: the planner's profile has the rule, the published ones do not.
  EXPECT_TRUE(trajcore::ScoringProfile::named("trajcore_default").collision_vru_lateral_at_fault);
  for (const char* name : {"pdm_closed", "navsim_pdms", "navsim_epdms", "nuplan_cls"}) {
    EXPECT_FALSE(trajcore::ScoringProfile::named(name).collision_vru_lateral_at_fault) << name;
  }
}
