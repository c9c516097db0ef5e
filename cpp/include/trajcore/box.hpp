// Oriented boxes: the geometry primitive under every collision check.
//
// A box is five floats (x, y, yaw, length, width): the centre, the heading (rad, counter-clockwise
// from +x) and the extents along and across the heading. Batched functions take arrays shaped
// (..., 5); the leading dimensions of the two operands of a pair function broadcast as in numpy.
#pragma once

#include <array>

#include "trajcore/tensor.hpp"

namespace trajcore {

inline constexpr int kBoxFields = 5;

struct Box {
  float x = 0, y = 0, yaw = 0, length = 0, width = 0;
};

struct Point2 {
  float x = 0, y = 0;
};

// Corners counter-clockwise from front-left: front-left, rear-left, rear-right, front-right.
std::array<Point2, 4> box_corners(const Box& box);

// Separating-axis test; touching boxes overlap.
bool box_overlap(const Box& a, const Box& b);

// Euclidean gap between the rectangles; 0 when they touch; minus the penetration depth (the
// shortest translation that separates them) when they overlap. box_overlap(a, b) is exactly
// box_distance(a, b) <= 0.
float box_distance(const Box& a, const Box& b);

// Batched forms. Inputs are validated (shape, finite values, non-negative extents, device) and
// throw trajcore::Error naming the argument. CUDA views run on `stream`.
//   boxes (..., 5)            -> corners (..., 4, 2)
//   a (..., 5), b (..., 5)    -> out (broadcast(a[..., 0], b[..., 0]))
void box_corners(TensorView<const float> boxes, TensorView<float> corners, Stream stream = nullptr);
void box_overlap(TensorView<const float> a, TensorView<const float> b, TensorView<bool> out,
                 Stream stream = nullptr);
void box_distance(TensorView<const float> a, TensorView<const float> b, TensorView<float> out,
                  Stream stream = nullptr);

// Result shapes, validating the inputs' shapes the same way the functions above do.
Shape box_corners_shape(const Shape& boxes);
Shape box_pair_shape(const Shape& a, const Shape& b);

}  // namespace trajcore
