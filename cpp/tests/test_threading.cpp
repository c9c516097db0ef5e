#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "expect_throws.hpp"
#include "parallel.hpp"
#include "trajcore/box.hpp"
#include "trajcore/error.hpp"
#include "trajcore/threading.hpp"

namespace {

using trajcore::Device;

class Threads : public ::testing::Test {
 protected:
  void TearDown() override { trajcore::set_num_threads(before_); }
  int before_ = trajcore::get_num_threads();
};

std::vector<float> distances(const std::vector<float>& a, const std::vector<float>& b) {
  const int64_t n = static_cast<int64_t>(a.size() / 5);
  std::vector<float> out(n);
  trajcore::box_distance({a.data(), {n, 5}, Device{}}, {b.data(), {n, 5}, Device{}},
                         {out.data(), {n}, Device{}});
  return out;
}

std::vector<float> boxes(std::mt19937& gen, int n) {
  std::uniform_real_distribution<float> u(-10.f, 10.f), e(1.f, 6.f);
  std::vector<float> v;
  for (int i = 0; i < n; ++i) {
    for (float f : {u(gen), u(gen), u(gen), e(gen), e(gen)}) v.push_back(f);
  }
  return v;
}

TEST_F(Threads, ResultsBitwiseIdenticalForAnyThreadCount) {
  std::mt19937 gen(1);
  const auto a = boxes(gen, 100001), b = boxes(gen, 100001);
  trajcore::set_num_threads(1);
  const auto reference = distances(a, b);
  for (int n : {2, 3, 8}) {
    trajcore::set_num_threads(n);
    const auto got = distances(a, b);
    EXPECT_EQ(std::memcmp(got.data(), reference.data(), got.size() * sizeof(float)), 0) << n;
  }
}

TEST_F(Threads, EveryChunkRunsOnce) {
  trajcore::set_num_threads(4);
  std::vector<std::atomic<int>> hits(1000);
  trajcore::detail::parallel_for(1000 * 7, 7, [&](int64_t begin, int64_t end) {
    EXPECT_EQ(end - begin, 7);
    hits[begin / 7]++;
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST_F(Threads, LowestFailingChunkIsReported) {
  for (int n : {1, 2, 8}) {
    trajcore::set_num_threads(n);
    EXPECT_THROWS_MESSAGE(trajcore::detail::parallel_for(10000, 10,
                                                         [](int64_t begin, int64_t) {
                                                           if (begin >= 5000) {
                                                             throw std::runtime_error(
                                                                 "chunk " + std::to_string(begin / 10));
                                                           }
                                                         }),
                          std::runtime_error, "chunk 500");
  }
}

TEST_F(Threads, NestedAndConcurrentCallsComplete) {
  trajcore::set_num_threads(3);
  std::atomic<int64_t> total{0};
  auto job = [&] {
    trajcore::detail::parallel_for(64, 1, [&](int64_t, int64_t) {
      trajcore::detail::parallel_for(100, 10, [&](int64_t b, int64_t e) { total += e - b; });
    });
  };
  std::vector<std::thread> callers;
  for (int i = 0; i < 6; ++i) callers.emplace_back(job);
  for (auto& t : callers) t.join();
  EXPECT_EQ(total.load(), 6 * 64 * 100);
}

TEST_F(Threads, RejectsNonPositiveCounts) {
  EXPECT_THROWS_MESSAGE(trajcore::set_num_threads(0), trajcore::Error,
                        "set_num_threads: n is 0, expected an integer >= 1");
  EXPECT_THROWS_MESSAGE(trajcore::set_num_threads(-3), trajcore::Error,
                        "set_num_threads: n is -3, expected an integer >= 1");
}

}  // namespace
