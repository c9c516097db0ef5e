// check_collisions from C++: agreement with the box primitives on random scenes, documented
// semantics on constructed ones, argument errors, and workspace reuse.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "allocation_counter.hpp"
#include "expect_throws.hpp"
#include "trajcore/box.hpp"
#include "trajcore/collision.hpp"
#include "trajcore/threading.hpp"

namespace {

using trajcore::Box;
using trajcore::CollisionRequest;
using trajcore::CollisionResult;
using trajcore::CollisionWorkspace;
using trajcore::Error;

// One scene (no scene dimension): N candidates and M agents with K modes over T1 steps.
struct Scene {
  int64_t N, M, K, T1;
  std::vector<float> ego, agents, agent_extent, prob;
  float ego_extent[2] = {4.5f, 1.9f};

  Scene(int64_t n, int64_t m, int64_t k, int64_t t1, uint32_t seed) : N(n), M(m), K(k), T1(t1) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> pos(-15.f, 15.f), yaw(-3.14f, 3.14f), step(-1.5f, 1.5f);
    auto track = [&](std::vector<float>& out, int fields) {
      float x = pos(gen), y = pos(gen), h = yaw(gen);
      for (int64_t t = 0; t < T1; ++t) {
        out.insert(out.end(), {x, y, h});
        for (int f = 3; f < fields; ++f) out.push_back(0.f);
        x += step(gen);
        y += step(gen);
        h += 0.1f * step(gen);
      }
    };
    for (int64_t i = 0; i < N; ++i) track(ego, 4);
    for (int64_t i = 0; i < M * K; ++i) track(agents, 3);
    std::uniform_real_distribution<float> len(3.5f, 12.f), wid(1.6f, 2.5f);
    for (int64_t i = 0; i < M; ++i) agent_extent.insert(agent_extent.end(), {len(gen), wid(gen)});
    prob.assign(static_cast<size_t>(M * K), 1.f / static_cast<float>(K));
  }

  CollisionRequest request() const {
    CollisionRequest r;
    r.ego = {ego.data(), {N, T1, 4}};
    r.ego_extent = {ego_extent, {2}};
    r.agents = {agents.data(), {M, K, T1, 3}};
    r.agent_extent = {agent_extent.data(), {M, 2}};
    r.agent_prob = {prob.data(), {M, K}};
    return r;
  }

  Box ego_box(int64_t n, int64_t t) const {
    const float* p = &ego[(n * T1 + t) * 4];
    return {p[0], p[1], p[2], ego_extent[0], ego_extent[1]};
  }
  Box agent_box(int64_t m, int64_t k, int64_t t) const {
    const float* p = &agents[((m * K + k) * T1 + t) * 3];
    return {p[0], p[1], p[2], agent_extent[m * 2], agent_extent[m * 2 + 1]};
  }
};

TEST(CheckCollisions, AgreesWithBoxPrimitivesPairByPair) {
  const Scene s(40, 8, 3, 33, 7);
  CollisionWorkspace ws;
  CollisionResult r;
  trajcore::check_collisions(s.request(), r, ws);
  int collisions = 0;
  for (int64_t n = 0; n < s.N; ++n) {
    float clearance = 10.f;
    int32_t first = -1;
    for (int64_t t = 0; t < s.T1; ++t) {
      bool any = false;
      for (int64_t m = 0; m < s.M; ++m) {
        for (int64_t k = 0; k < s.K; ++k) {
          const bool hit = trajcore::box_overlap(s.ego_box(n, t), s.agent_box(m, k, t));
          any |= hit;
          clearance = std::fmin(clearance, trajcore::box_distance(s.ego_box(n, t), s.agent_box(m, k, t)));
          const int32_t f = r.agent_first_step.data()[(n * s.M + m) * s.K + k];
          if (hit) EXPECT_LE(f, t);
        }
      }
      EXPECT_EQ(r.collides.data()[n * s.T1 + t], any) << n << " " << t;
      if (any && first < 0) first = static_cast<int32_t>(t);
      collisions += any;
    }
    EXPECT_EQ(r.first_step.data()[n], first);
    EXPECT_EQ(r.min_clearance.data()[n], clearance);  // bitwise: the same formula
  }
  EXPECT_GT(collisions, 0);
}

TEST(CheckCollisions, WorkspaceAndResultAreReused) {
  const Scene big(64, 10, 3, 41, 1), small(8, 3, 2, 11, 2);
  CollisionWorkspace ws;
  CollisionResult r;
  trajcore::check_collisions(big.request(), r, ws);
  const int64_t bytes = ws.capacity_bytes();
  const bool* collides = r.collides.data();
  trajcore::check_collisions(small.request(), r, ws);
  trajcore::check_collisions(big.request(), r, ws);
  EXPECT_EQ(ws.capacity_bytes(), bytes);
  EXPECT_EQ(r.collides.data(), collides);  // the result's memory was kept, not reallocated
}

TEST(CheckCollisions, WarmCallsDoNotAllocate) {
  const Scene s(64, 10, 3, 41, 5);
  const int threads = trajcore::get_num_threads();
  trajcore::set_num_threads(1);  // one thread: its scratch is certainly warm after one call
  CollisionWorkspace ws;
  CollisionResult r;
  CollisionRequest request = s.request();
  request.options.swept = true;
  trajcore::check_collisions(request, r, ws);
  const long before = trajcore::testing::allocations.load();
  for (int i = 0; i < 5; ++i) trajcore::check_collisions(request, r, ws);
  EXPECT_EQ(trajcore::testing::allocations.load() - before, 0);
  trajcore::set_num_threads(threads);
}

TEST(CheckCollisions, SweptCatchesAHeadOnPass) {
  // Motorcycles closing at 60 m/s, 1 m apart at step 0, past each other at step 1.
  std::vector<float> ego = {0, 0, 0, 3, 0, 0}, agents = {3.2f, 0, 3.14159265f, 0.2f, 0, 3.14159265f};
  const float extent[2] = {2.2f, 0.8f};
  CollisionRequest r;
  r.ego = {ego.data(), {1, 2, 3}};
  r.ego_extent = {extent, {2}};
  r.agents = {agents.data(), {1, 1, 2, 3}};
  r.agent_extent = {extent, {1, 2}};
  CollisionWorkspace ws;
  CollisionResult out;
  trajcore::check_collisions(r, out, ws);
  EXPECT_EQ(out.first_step.data()[0], -1);
  r.options.swept = true;
  trajcore::check_collisions(r, out, ws);
  EXPECT_EQ(out.first_step.data()[0], 1);
  EXPECT_EQ(out.collision_prob.data()[0], 1.f);
}

TEST(CheckCollisions, NoAgentsMeansNoCollisions) {
  const Scene s(6, 0, 2, 11, 9);
  CollisionWorkspace ws;
  CollisionResult out;
  trajcore::check_collisions(s.request(), out, ws);
  EXPECT_EQ(out.agent_first_step.shape(), (trajcore::Shape{6, 0, 2}));
  for (int64_t n = 0; n < 6; ++n) {
    EXPECT_EQ(out.first_step.data()[n], -1);
    EXPECT_EQ(out.collision_prob.data()[n], 0.f);
    EXPECT_EQ(out.min_clearance.data()[n], 10.f);
  }
}

TEST(CheckCollisions, OptionalOutputsCanBeOff) {
  const Scene s(8, 3, 2, 11, 3);
  CollisionRequest r = s.request();
  r.options.agent_first_step = false;
  r.options.min_clearance = false;
  CollisionWorkspace ws;
  CollisionResult out;
  trajcore::check_collisions(r, out, ws);
  EXPECT_FALSE(out.agent_first_step.defined());
  EXPECT_FALSE(out.min_clearance.defined());
  EXPECT_EQ(out.collides.shape(), (trajcore::Shape{8, 11}));
}

TEST(CheckCollisions, ArgumentErrorsNameTheArgument) {
  const Scene s(4, 3, 2, 6, 4);
  CollisionWorkspace ws;
  CollisionResult out;
  CollisionRequest r = s.request();
  r.ego.shape = {4, 7, 4};
  EXPECT_THROWS_MESSAGE(trajcore::check_collisions(r, out, ws), Error,
                        "ego has shape (4, 7, 4), expected (N, T+1, S) = (N, 6, S >= 3) to match "
                        "agents (3, 2, 6, 3)");
  std::vector<float> prob = s.prob;
  prob[1] = 0.9f;
  r = s.request();
  r.agent_prob.data = prob.data();
  EXPECT_THROWS_MESSAGE(trajcore::check_collisions(r, out, ws), Error,
                        "agent_prob[0] sums to 1.4 over the agent's 2 valid modes, expected 1 "
                        "(within 0.001)");
  std::vector<float> agents = s.agents;
  agents[4] = std::nanf("");
  r = s.request();
  r.agents.data = agents.data();
  EXPECT_THROWS_MESSAGE(trajcore::check_collisions(r, out, ws), Error,
                        "agents[0, 0, 1, 1] (y) is nan, expected a finite value where agent_valid "
                        "is true");
  r = s.request();
  r.options.margin = -1.f;
  EXPECT_THROWS_MESSAGE(trajcore::check_collisions(r, out, ws), Error,
                        "margin is -1, expected a finite value >= 0 (m)");
}

}  // namespace
