#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "expect_throws.hpp"
#include "trajcore/box.hpp"
#include "trajcore/device.hpp"
#include "trajcore/error.hpp"

namespace {

using trajcore::Box;
using trajcore::Device;
using trajcore::DeviceType;
using trajcore::Error;
using trajcore::ErrorKind;
using trajcore::Shape;
using trajcore::TensorView;

// Brute force in double: corners, then separation over both boxes' edge normals.
struct Ref {
  double x[4], y[4];
  explicit Ref(const Box& b) {
    const double c = std::cos(double(b.yaw)), s = std::sin(double(b.yaw));
    const double sl[4] = {1, -1, -1, 1}, sw[4] = {1, 1, -1, -1};
    for (int k = 0; k < 4; ++k) {
      x[k] = b.x + sl[k] * b.length / 2 * c - sw[k] * b.width / 2 * s;
      y[k] = b.y + sl[k] * b.length / 2 * s + sw[k] * b.width / 2 * c;
    }
  }
};

double ref_depth(const Box& a, const Box& b) {  // > 0 penetration, < 0 separated
  const Ref ra(a), rb(b);
  double best = std::numeric_limits<double>::infinity();
  for (double yaw : {double(a.yaw), double(b.yaw)}) {
    for (int axis = 0; axis < 2; ++axis) {
      const double ux = axis ? -std::sin(yaw) : std::cos(yaw), uy = axis ? std::cos(yaw) : std::sin(yaw);
      double amin = 1e300, amax = -1e300, bmin = 1e300, bmax = -1e300;
      for (int k = 0; k < 4; ++k) {
        const double pa = ra.x[k] * ux + ra.y[k] * uy, pb = rb.x[k] * ux + rb.y[k] * uy;
        amin = std::min(amin, pa), amax = std::max(amax, pa);
        bmin = std::min(bmin, pb), bmax = std::max(bmax, pb);
      }
      best = std::min(best, std::min(amax - bmin, bmax - amin));
    }
  }
  return best;
}

double point_segment(double px, double py, double ax, double ay, double bx, double by) {
  const double dx = bx - ax, dy = by - ay;
  double t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy);
  t = std::max(0.0, std::min(1.0, t));
  return std::hypot(px - ax - t * dx, py - ay - t * dy);
}

double ref_gap(const Box& a, const Box& b) {  // for separated boxes: min vertex-edge distance
  const Ref ra(a), rb(b);
  double best = 1e300;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      const int j2 = (j + 1) % 4;
      best = std::min(best, point_segment(ra.x[i], ra.y[i], rb.x[j], rb.y[j], rb.x[j2], rb.y[j2]));
      best = std::min(best, point_segment(rb.x[i], rb.y[i], ra.x[j], ra.y[j], ra.x[j2], ra.y[j2]));
    }
  }
  return best;
}

std::vector<float> random_boxes(std::mt19937& gen, int n, float spread) {
  std::uniform_real_distribution<float> pos(-spread, spread), yaw(-3.14159f, 3.14159f),
      len(3.5f, 12.f), wid(1.6f, 2.5f);
  std::vector<float> v;
  for (int i = 0; i < n; ++i) {
    for (float f : {pos(gen), pos(gen), yaw(gen), len(gen), wid(gen)}) v.push_back(f);
  }
  return v;
}

Box box_at(const std::vector<float>& v, int i) {
  return {v[5 * i], v[5 * i + 1], v[5 * i + 2], v[5 * i + 3], v[5 * i + 4]};
}

TensorView<const float> view(const std::vector<float>& v, Shape shape) {
  return {v.data(), shape, Device{}};
}

TEST(Box, MatchesDoubleBruteForce) {
  std::mt19937 gen(42);
  const int n = 20000;
  const auto a = random_boxes(gen, n, 12), b = random_boxes(gen, n, 12);
  std::vector<char> overlap_buf(n);
  std::vector<float> dist(n);
  auto* overlap = reinterpret_cast<bool*>(overlap_buf.data());
  trajcore::box_overlap(view(a, {n, 5}), view(b, {n, 5}), {overlap, {n}, Device{}});
  trajcore::box_distance(view(a, {n, 5}), view(b, {n, 5}), {dist.data(), {n}, Device{}});
  int overlapping = 0;
  for (int i = 0; i < n; ++i) {
    const Box ba = box_at(a, i), bb = box_at(b, i);
    const double depth = ref_depth(ba, bb);
    if (std::abs(depth) > 1e-6) EXPECT_EQ(overlap[i], depth > 0) << i;
    const double expected = depth >= 0 ? -depth : ref_gap(ba, bb);
    EXPECT_NEAR(dist[i], expected, 1e-5) << i;
    // The batched and the single-box forms are the same function.
    EXPECT_EQ(trajcore::box_overlap(ba, bb), overlap[i]);
    EXPECT_EQ(trajcore::box_distance(ba, bb), dist[i]);
    overlapping += overlap[i];
  }
  EXPECT_GT(overlapping, n / 50);
}

TEST(Box, TouchingIsOverlapAtDistanceZero) {
  const Box a{0, 0, 0, 4, 2}, nose{4, 0, 0, 4, 2}, side{0, 2, 0, 4, 2}, apart{4.5f, 0, 0, 4, 2};
  EXPECT_TRUE(trajcore::box_overlap(a, nose));
  EXPECT_TRUE(trajcore::box_overlap(a, side));
  EXPECT_EQ(trajcore::box_distance(a, nose), 0.f);
  EXPECT_FALSE(std::signbit(trajcore::box_distance(a, side)));
  EXPECT_FALSE(trajcore::box_overlap(a, apart));
  EXPECT_FLOAT_EQ(trajcore::box_distance(a, apart), 0.5f);
}

TEST(Box, CornersCounterClockwiseFromFrontLeft) {
  const auto c = trajcore::box_corners(Box{1, 2, 1.5707963f, 4, 2});
  const float expected[4][2] = {{0, 4}, {0, 0}, {2, 0}, {2, 4}};
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(c[k].x, expected[k][0], 1e-6);
    EXPECT_NEAR(c[k].y, expected[k][1], 1e-6);
  }
}

TEST(Box, BroadcastOneAgainstMany) {
  std::mt19937 gen(7);
  const auto ego = random_boxes(gen, 1, 5), others = random_boxes(gen, 300, 15);
  std::vector<float> dist(300);
  trajcore::box_distance(view(ego, {5}), view(others, {300, 5}), {dist.data(), {300}, Device{}});
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(dist[i], trajcore::box_distance(box_at(ego, 0), box_at(others, i)));
  }
  EXPECT_EQ(trajcore::box_pair_shape({3, 1, 5}, {4, 5}), (Shape{3, 4}));
}

TEST(Box, Errors) {
  std::vector<float> good = {0, 0, 0, 4, 2, 1, 1, 0, 4, 2};
  std::vector<float> out(2);
  TensorView<float> out_view{out.data(), {2}, Device{}};
  EXPECT_THROWS_MESSAGE(trajcore::box_distance(view(good, {2, 4}), view(good, {2, 5}), out_view),
                        Error, "a has shape (2, 4), expected (..., 5) = (..., x, y, yaw, length, width)");
  EXPECT_THROWS_MESSAGE(trajcore::box_distance(view(good, {2, 5}), view(good, {2, 5}),
                                               {out.data(), {3}, Device{}}),
                        Error, "out has shape (3,), expected (2,)");
  EXPECT_THROWS_MESSAGE(trajcore::box_distance(view(good, {2, 5}), view(good, {0, 5}), out_view),
                        Error, "b is empty: shape (0, 5), expected at least one item");
  EXPECT_THROWS_MESSAGE(
      trajcore::box_distance(view(good, {2, 5}),
                             {good.data(), {2, 5}, Device{DeviceType::kCUDA, 0}}, out_view),
      Error, "b is on cuda:0, expected cpu (the device of a)");
  EXPECT_THROWS_MESSAGE(trajcore::box_distance({nullptr, {2, 5}, Device{}}, view(good, {2, 5}), out_view),
                        Error, "a has a null data pointer");
  auto nan = good;
  nan[7] = std::nanf("");
  EXPECT_THROWS_MESSAGE(trajcore::box_distance(view(good, {2, 5}), view(nan, {2, 5}), out_view),
                        Error, "b[1, 2] (yaw) is nan, expected a finite value");
  auto negative = good;
  negative[4] = -2.f;
  std::vector<float> corners(16);
  EXPECT_THROWS_MESSAGE(
      trajcore::box_corners(view(negative, {2, 5}), {corners.data(), {2, 4, 2}, Device{}}), Error,
      "boxes[0, 4] (width) is -2, expected a width >= 0");
  try {
    trajcore::box_corners(view(good, {2, 3}), {corners.data(), {2, 4, 2}, Device{}});
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidValue);
  }
}

TEST(Box, CudaBuildsReportDevices) {
  if (!trajcore::built_with_cuda()) {
    EXPECT_EQ(trajcore::cuda_device_count(), 0);
    GTEST_SKIP() << "CPU-only build";
  }
  if (trajcore::cuda_device_count() == 0) {
    EXPECT_FALSE(trajcore::cuda_status().empty());  // the reason, e.g. no driver
  }
}

}  // namespace
