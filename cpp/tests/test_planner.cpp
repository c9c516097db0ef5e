// Planner: a warm planning cycle performs no heap allocation; it avoids a stopped car; a
// deadline stops scoring after the first chunk and says so.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "allocation_counter.hpp"
#include "expect_throws.hpp"
#include "highway_map.hpp"
#include "trajcore/error.hpp"
#include "trajcore/planner.hpp"
#include "trajcore/threading.hpp"

namespace {

using trajcore::PlanReason;
using trajcore::Shape;

// The highway with the ego in the middle lane at 10 m/s and a car stopped 30 m ahead of it.
struct Highway : HighwayMap {
  std::vector<float> ego{0.f, 3.7f, 0.f, 10.f, 0.f, 0.f};
  std::vector<float> agents, extent{4.6f, 1.9f};
  std::vector<int32_t> types{0};

  explicit Highway(int64_t T1) {
    for (int64_t t = 0; t < T1; ++t) agents.insert(agents.end(), {30.f, 3.7f, 0.f});
  }

  trajcore::PlanScene scene(int64_t T1) const {
    trajcore::PlanScene s;
    s.ego_state = {ego.data(), Shape{6}, {}};
    s.agents = {agents.data(), Shape{1, 1, T1, 3}, {}};
    s.agent_extent = {extent.data(), Shape{1, 2}, {}};
    s.agent_type = {types.data(), Shape{1}, {}};
    s.road_map = map.get();
    s.reference_line = line.get();
    return s;
  }
};

TEST(Planner, AvoidsAStoppedCarAndExplainsTheRest) {
  trajcore::Planner planner(trajcore::PlannerConfig{});
  const Highway h(41);
  const trajcore::PlanResult& r = planner.plan(h.scene(41));
  ASSERT_EQ(r.scored, planner.candidate_count());
  ASSERT_GE(r.chosen, 0);
  EXPECT_FALSE(r.deadline_reached);
  EXPECT_EQ(r.reasons.data()[r.chosen], int32_t(PlanReason::kChosen));
  EXPECT_EQ(r.scores.no_collision.data()[r.chosen], 1.0f);
  EXPECT_GT(r.scores.total.data()[r.chosen], 0.5f);
  // Keeping the lane at 10 m/s or more for the whole horizon runs into the car.
  int collisions = 0;
  for (int64_t i = 0; i < planner.candidate_count(); ++i) {
    const bool keeps_lane_fast =
        r.candidates.offsets.data()[i] == 0.0f && r.candidates.target_speeds.data()[i] >= 10.0f;
    if (keeps_lane_fast) {
      EXPECT_EQ(r.reasons.data()[i], int32_t(PlanReason::kCollision)) << i;
      ++collisions;
    }
    EXPECT_LE(r.scores.total.data()[i], r.scores.total.data()[r.chosen]);
  }
  EXPECT_GT(collisions, 0);
  // The trajectory is the chosen candidate's states.
  EXPECT_EQ(r.trajectory.data, r.candidates.states.data() + r.chosen * 41 * 6);
  EXPECT_GT(r.timings.total_ms, 0.0);
}

// One Planner per thread, the map and reference line shared read-only: every thread's cycles
// equal the single-threaded one bit for bit (the configuration docs/planner.md supports; the
// sanitizer build runs this under ThreadSanitizer).
TEST(Planner, EmergencyBrakeStopsWhenEveryCandidateCollides) {
  // The stopped car 6 m ahead of an ego at 12 m/s, across every lane (a wide box): no candidate
  // escapes, so with the emergency brake on the plan is the jerk-limited stop.
  trajcore::PlannerConfig config;
  config.emergency.enabled = true;
  trajcore::Planner planner(config);
  Highway h(41);
  h.ego[3] = 12.f;
  for (int64_t t = 0; t < 41; ++t) h.agents[t * 3] = 14.f;
  h.extent = {4.6f, 11.1f};
  const trajcore::PlanResult& r = planner.plan(h.scene(41));
  ASSERT_TRUE(r.fallback);
  ASSERT_TRUE(r.emergency_brake);
  EXPECT_EQ(r.emergency_reason, PlanReason::kCollision);
  const float* s = r.trajectory.data;
  float lowest = 0.f;
  for (int64_t t = 1; t < 41; ++t) {
    EXPECT_LE(s[t * 6 + 3], s[(t - 1) * 6 + 3]) << t;  // slowing down
    lowest = std::min(lowest, s[t * 6 + 4]);
  }
  EXPECT_EQ(s[40 * 6 + 3], 0.f);  // to a standstill
  EXPECT_NEAR(lowest, -4.05f, 1e-3f);
  // Off (the default), the least bad candidate is driven.
  trajcore::Planner plain(trajcore::PlannerConfig{});
  const trajcore::PlanResult& p = plain.plan(h.scene(41));
  EXPECT_TRUE(p.fallback);
  EXPECT_FALSE(p.emergency_brake);
}

TEST(Planner, PdmGeneratorPlansOnPdmProposals) {
  // PDM-Closed's proposals: 3 offsets x 5 speed fractions, the lead from the agents' poses;
  // the candidates are exactly pdm_proposals' for the same inputs.
  trajcore::PlannerConfig config;
  config.generator = trajcore::CandidateGenerator::kPdmProposals;
  config.profile = trajcore::ScoringProfile::named("pdm_closed");
  trajcore::Planner planner(config);
  ASSERT_EQ(planner.candidate_count(), 15);
  const Highway h(41);
  const trajcore::PlanResult& r = planner.plan(h.scene(41));
  ASSERT_EQ(r.candidates.states.shape()[0], 15);
  trajcore::PdmProposalsRequest rq;
  rq.ego_state = {h.ego.data(), Shape{6}, {}};
  rq.centerline = h.line.get();
  rq.agent_poses = {h.agents.data(), Shape{1, 41, 3}, {}};
  rq.agent_extents = {h.extent.data(), Shape{1, 2}, {}};
  rq.speed_limit = h.map->speed_limit(h.map->locate_lane(0.0, 3.7, 0.0).lane);
  rq.params = config.vehicle;
  rq.tracker = config.tracker;
  trajcore::CandidateSet want;
  trajcore::pdm_proposals(rq, want);
  ASSERT_EQ(want.states.numel(), r.candidates.states.numel());
  for (int64_t i = 0; i < want.states.numel(); ++i) {
    ASSERT_EQ(want.states.data()[i], r.candidates.states.data()[i]) << i;
  }
  // IDM stops it behind the car standing 30 m ahead in its lane.
  EXPECT_EQ(r.scores.no_collision.data()[r.chosen], 1.0f);
}

TEST(Planner, SeparatePlannersOnEightThreadsAgreeWithOne) {
  const Highway h(41);
  trajcore::Planner reference(trajcore::PlannerConfig{});
  const trajcore::PlanResult& expected = reference.plan(h.scene(41));
  const int64_t n = reference.candidate_count();
  std::vector<int> mismatches(8, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 8; ++k) {
    threads.emplace_back([&, k] {
      trajcore::Planner planner(trajcore::PlannerConfig{});
      for (int cycle = 0; cycle < 5; ++cycle) {
        const trajcore::PlanResult& r = planner.plan(h.scene(41));
        bool same = r.chosen == expected.chosen;
        for (int64_t i = 0; same && i < n; ++i) {
          same = r.scores.total.data()[i] == expected.scores.total.data()[i];
        }
        for (int64_t i = 0; same && i < 41 * 6; ++i) {
          same = r.trajectory.data[i] == expected.trajectory.data[i];
        }
        mismatches[k] += same ? 0 : 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int k = 0; k < 8; ++k) EXPECT_EQ(mismatches[k], 0) << "thread " << k;
}

TEST(Planner, WarmCyclesDoNotAllocate) {
  const int threads = trajcore::get_num_threads();
  trajcore::set_num_threads(1);  // one thread: its buffers are certainly warm after one cycle
  trajcore::PlannerConfig config;
  config.chunk = 64;
  trajcore::Planner planner(config);
  const Highway h(41);
  const trajcore::PlanScene scene = h.scene(41);
  planner.plan(scene);
  const long before = trajcore::testing::allocations.load();
  for (int i = 0; i < 5; ++i) planner.plan(scene);
  EXPECT_EQ(trajcore::testing::allocations.load() - before, 0);
  trajcore::set_num_threads(threads);
}

TEST(Planner, DeadlineStopsAfterTheFirstChunk) {
  trajcore::PlannerConfig config;
  config.chunk = 32;
  trajcore::Planner planner(config);
  const Highway h(41);
  const trajcore::PlanResult& r = planner.plan(h.scene(41), 0.0);
  EXPECT_TRUE(r.deadline_reached);
  EXPECT_EQ(r.scored, 32);
  EXPECT_LT(r.chosen, 32);
  for (int64_t i = 32; i < planner.candidate_count(); ++i) {
    EXPECT_EQ(r.reasons.data()[i], int32_t(PlanReason::kNotScored));
  }
}

TEST(Planner, LatticeTargetsAFractionOfTheLanesSpeedLimit) {
  // The highway's lanes are limited to 30 m/s: 0.45 of it (13.5 m/s) goes in between 12.5 and
  // 15 m/s, with every offset and duration; 0.5 of it (15 m/s) is listed already.
  trajcore::PlannerConfig config;
  config.lattice.speed_limit_fractions = {0.45, 0.5};
  trajcore::Planner planner(config);
  EXPECT_EQ(planner.candidate_count(), 5 * 8 * 4);
  EXPECT_EQ(planner.max_candidate_count(), 5 * 10 * 5);
  const Highway h(41);
  const trajcore::PlanResult& r = planner.plan(h.scene(41));
  ASSERT_EQ(r.candidates.target_speeds.shape()[0], 5 * 9 * 4);
  const std::vector<float> want{0.f, 2.5f, 5.f, 7.5f, 10.f, 12.5f, 13.5f, 15.f, 17.5f};
  for (size_t j = 0; j < want.size(); ++j) {
    EXPECT_FLOAT_EQ(r.candidates.target_speeds.data()[j * 4], want[j]) << j;
  }
}

TEST(Planner, AStandingEgoMovesAcrossOnlyAsItMovesAlong) {
  // From a standstill, the lattice's offsets reach no further than the travel allows: the
  // candidates that keep standing (target speed 0) stay where the ego is, every offset of them.
  trajcore::Planner planner(trajcore::PlannerConfig{});
  Highway h(41);
  h.ego[3] = 0.f;
  const trajcore::PlanResult& r = planner.plan(h.scene(41));
  const auto& c = r.candidates;
  const int64_t N = c.states.shape()[0], T1 = c.states.shape()[1];
  int standing = 0, across = 0;
  for (int64_t n = 0; n < N; ++n) {
    if (c.target_speeds.data()[n] != 0.f) continue;
    ++standing;
    across += c.offsets.data()[n] != 0.f;
    for (int64_t t = 0; t < T1; ++t) {
      const float* st = c.states.data() + (n * T1 + t) * 6;
      EXPECT_NEAR(st[0], h.ego[0], 1e-4) << n << " " << t;
      EXPECT_NEAR(st[1], h.ego[1], 1e-4) << n << " " << t;
    }
  }
  EXPECT_GT(across, 0);
  EXPECT_EQ(standing, N / 8);  // one of the eight default speeds
}

// An approach (-50 to 50 m), a junction lane beyond the stop line (50 to 70 m), an exit.
struct Junction {
  std::vector<std::vector<double>> lines;
  std::vector<double> centre{-50.0, 0.0, 300.0, 0.0};
  std::unique_ptr<trajcore::RoadMap> map;
  std::unique_ptr<trajcore::ReferenceLine> line;

  Junction() {
    using trajcore::Shape;
    const double x[4] = {-50.0, 50.0, 70.0, 300.0};
    for (int lane = 0; lane < 3; ++lane) {
      for (double y : {0.0, 1.75, -1.75}) lines.push_back({x[lane], y, x[lane + 1], y});
    }
    trajcore::RoadMapSpec spec;
    for (int lane = 0; lane < 3; ++lane) {
      trajcore::LaneSpec l;
      l.centerline = {lines[3 * lane].data(), Shape{2, 2}, {}};
      l.left = {lines[3 * lane + 1].data(), Shape{2, 2}, {}};
      l.right = {lines[3 * lane + 2].data(), Shape{2, 2}, {}};
      l.speed_limit = 15.0;
      if (lane < 2) l.successors = {lane + 1};
      l.in_intersection = lane == 1;
      spec.lanes.push_back(l);
    }
    map = std::make_unique<trajcore::RoadMap>(spec);
    line = std::make_unique<trajcore::ReferenceLine>(
        trajcore::TensorView<const double>{centre.data(), Shape{2, 2}, {}},
        trajcore::ReferenceLineOptions{0.5, 0.0});
  }
};

TEST(Planner, PdmClosedPeerStopsAtTheRedLight) {
  // PDM-Closed's proposals treat the red-light stop as a standing lead: closed loop from 12 m/s,
  // the front stays short of the line and the ego comes to a stop.
  trajcore::PlannerConfig config;
  config.profile = trajcore::ScoringProfile::named("pdm_closed");
  config.profile.gate_traffic_light = true;
  config.generator = trajcore::CandidateGenerator::kPdmProposals;
  trajcore::Planner planner(config);
  const Junction j;
  std::vector<float> ego{0.f, 0.f, 0.f, 12.f, 0.f, 0.f};
  const std::vector<int32_t> red{1};
  const std::vector<float> none(1);  // no agents: empty views over a valid pointer
  const std::vector<int32_t> no_types(1);
  double front = 0;
  for (int cycle = 0; cycle < 150; ++cycle) {
    trajcore::PlanScene s;
    s.ego_state = {ego.data(), Shape{6}, {}};
    s.agents = {none.data(), Shape{0, 1, 41, 3}, {}};
    s.agent_extent = {none.data(), Shape{0, 2}, {}};
    s.agent_type = {no_types.data(), Shape{0}, {}};
    s.red_lanes = {red.data(), Shape{1}, {}};
    s.road_map = j.map.get();
    s.reference_line = j.line.get();
    const trajcore::PlanResult& r = planner.plan(s);
    std::copy(r.trajectory.data + 6, r.trajectory.data + 12, ego.begin());
    front = std::max(front, double(ego[0]) + 0.5 * config.vehicle.length);
  }
  EXPECT_LT(front, 50.0);
  EXPECT_GT(front, 45.0);
  EXPECT_LT(ego[3], 0.1f);
}

TEST(Planner, RejectsBadConfigurationsAndScenes) {
  trajcore::PlannerConfig config;
  config.chunk = 0;
  EXPECT_THROW(trajcore::Planner{config}, trajcore::Error);
  config = {};
  config.lattice.durations.clear();
  EXPECT_THROW(trajcore::Planner{config}, trajcore::Error);
  config = {};
  config.lattice.speed_limit_fractions = {1.0, 0.0};
  EXPECT_THROW(trajcore::Planner{config}, trajcore::Error);
  config = {};
  config.lattice.comfortable_acceleration = 0.0;
  EXPECT_THROW(trajcore::Planner{config}, trajcore::Error);
  config = {};
  config.emergency.min_probability = 2.0;
  EXPECT_THROW(trajcore::Planner{config}, trajcore::Error);
  trajcore::Planner planner(trajcore::PlannerConfig{});
  const Highway h(41);
  trajcore::PlanScene scene = h.scene(41);
  scene.road_map = nullptr;
  EXPECT_THROW(planner.plan(scene), trajcore::Error);
  EXPECT_THROW(planner.plan(h.scene(41), -1.0), trajcore::Error);
  // Agents predicted over another horizon: the message names the planner's steps setting.
  const Highway longer(81);
  EXPECT_THROWS_MESSAGE(planner.plan(longer.scene(81)), trajcore::Error,
                        "scene.agents has shape (1, 1, 81, 3): 80 predicted steps, but this "
                        "planner plans 40 (its steps setting); predict 40 steps, or make the "
                        "planner with steps=80");
}

}  // namespace
