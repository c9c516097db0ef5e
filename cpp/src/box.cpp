// The box entry points: argument checks, then the CPU or CUDA kernels (box_backend.hpp).
#include "trajcore/box.hpp"

#include <stdexcept>
#include <string>

#include "box_backend.hpp"
#include "trajcore/config.hpp"
#include "trajcore/detail/obb_math.hpp"
#include "validate.hpp"

namespace trajcore {
namespace {

using detail::Obb;
using detail::PairBroadcast;

constexpr const char* kBoxFieldNames = "x, y, yaw, length, width";

Obb to_obb(const Box& b) {
  const float f[kBoxFields] = {b.x, b.y, b.yaw, b.length, b.width};
  return detail::make_obb(f);
}

void check_box_shape(const Shape& shape, const char* name) {
  if (shape.rank() == 0 || shape.back() != kBoxFields) {
    throw Error(std::string(name) + " has shape " + shape.str() + ", expected (..., 5) = (..., " +
                kBoxFieldNames + ")");
  }
  if (shape.numel() == 0) {
    throw Error(std::string(name) + " is empty: shape " + shape.str() +
                ", expected at least one item");
  }
}

// Names the first invalid value of `boxes` (a CPU array).
[[noreturn]] void throw_first_invalid(TensorView<const float> boxes, const char* name) {
  const detail::BoxDefect d = detail::find_invalid_box_cpu(boxes.data, boxes.numel() / kBoxFields);
  if (d.box < 0) throw std::logic_error(std::string(name) + ": a kernel reported an invalid value the rescan did not find");
  detail::throw_box_defect(d, boxes.data[d.box * kBoxFields + d.field], boxes.shape, name);
}

#if TRAJCORE_WITH_CUDA
// CUDA arrays are checked before the kernels run (one synchronising read-back).
void check_box_values_cuda(TensorView<const float> boxes, const char* name, Stream stream) {
  float value = 0.f;
  const detail::BoxDefect d =
      detail::find_invalid_box_cuda(boxes.data, boxes.numel() / kBoxFields, &value, stream);
  if (d.box >= 0) detail::throw_box_defect(d, value, boxes.shape, name);
}
#else
[[noreturn]] void throw_no_cuda(const char* name) {
  throw Error(std::string(name) +
              " is on a CUDA device, but trajcore was built without CUDA "
              "(rebuild with TRAJCORE_CUDA=ON)");
}
#endif

// Checks shared by the pair functions; returns the broadcast plan.
template <class Out>
PairBroadcast prepare_pair(TensorView<const float> a, TensorView<const float> b,
                           TensorView<Out> out) {
  const Shape result = box_pair_shape(a.shape, b.shape);
  detail::check_items(a.shape, a.data, "a", kBoxFields, kBoxFieldNames);
  detail::check_items(b.shape, b.data, "b", kBoxFields, kBoxFieldNames);
  detail::check_same_device(b.device, a.device, "b", "a");
  detail::check_output(out.shape, out.data, out.device, "out", result, a.device);
  const int64_t out_bytes = out.numel() * static_cast<int64_t>(sizeof(Out));
  detail::check_no_overlap({out.data, out_bytes}, "out", {a.data, a.numel() * 4}, "a");
  detail::check_no_overlap({out.data, out_bytes}, "out", {b.data, b.numel() * 4}, "b");
  return detail::plan_pair_broadcast(a.shape.without_last(), b.shape.without_last(), result);
}

// A CPU kernel reported an invalid value: name the first one, in a before b.
[[noreturn]] void throw_invalid_pair(TensorView<const float> a, TensorView<const float> b) {
  if (detail::find_invalid_box_cpu(a.data, a.numel() / kBoxFields).box >= 0) {
    throw_first_invalid(a, "a");
  }
  throw_first_invalid(b, "b");
}

}  // namespace

std::array<Point2, 4> box_corners(const Box& box) {
  const Obb o = to_obb(box);
  std::array<Point2, 4> corners;
  for (int k = 0; k < 4; ++k) detail::obb_corner(o, k, &corners[k].x);
  return corners;
}

bool box_overlap(const Box& a, const Box& b) { return detail::obb_overlap(to_obb(a), to_obb(b)); }

float box_distance(const Box& a, const Box& b) {
  return detail::obb_distance(to_obb(a), to_obb(b));
}

Shape box_corners_shape(const Shape& boxes) {
  check_box_shape(boxes, "boxes");
  Shape out = boxes.without_last();
  out.push_back(4);
  out.push_back(2);
  return out;
}

Shape box_pair_shape(const Shape& a, const Shape& b) {
  check_box_shape(a, "a");
  check_box_shape(b, "b");
  return detail::broadcast_shapes(a.without_last(), b.without_last(), "a", "b");
}

void box_corners(TensorView<const float> boxes, TensorView<float> corners, Stream stream) {
  const Shape result = box_corners_shape(boxes.shape);
  detail::check_items(boxes.shape, boxes.data, "boxes", kBoxFields, kBoxFieldNames);
  detail::check_output(corners.shape, corners.data, corners.device, "out", result, boxes.device);
  detail::check_no_overlap({corners.data, corners.numel() * 4}, "out",
                           {boxes.data, boxes.numel() * 4}, "boxes");
  const int64_t n = boxes.numel() / kBoxFields;
  if (boxes.device.is_cuda()) {
#if TRAJCORE_WITH_CUDA
    check_box_values_cuda(boxes, "boxes", stream);
    return detail::box_corners_cuda(boxes.data, n, corners.data, stream);
#else
    (void)stream;
    throw_no_cuda("boxes");
#endif
  }
  if (!detail::box_corners_cpu(boxes.data, n, corners.data)) throw_first_invalid(boxes, "boxes");
}

void box_overlap(TensorView<const float> a, TensorView<const float> b, TensorView<bool> out,
                 Stream stream) {
  const PairBroadcast plan = prepare_pair(a, b, out);
  if (a.device.is_cuda()) {
#if TRAJCORE_WITH_CUDA
    check_box_values_cuda(a, "a", stream);
    check_box_values_cuda(b, "b", stream);
    return detail::box_overlap_cuda(a.data, b.data, plan, out.data, stream);
#else
    (void)stream;
    throw_no_cuda("a");
#endif
  }
  if (!detail::box_overlap_cpu(a.data, b.data, plan, out.data)) throw_invalid_pair(a, b);
}

void box_distance(TensorView<const float> a, TensorView<const float> b, TensorView<float> out,
                  Stream stream) {
  const PairBroadcast plan = prepare_pair(a, b, out);
  if (a.device.is_cuda()) {
#if TRAJCORE_WITH_CUDA
    check_box_values_cuda(a, "a", stream);
    check_box_values_cuda(b, "b", stream);
    return detail::box_distance_cuda(a.data, b.data, plan, out.data, stream);
#else
    (void)stream;
    throw_no_cuda("a");
#endif
  }
  if (!detail::box_distance_cpu(a.data, b.data, plan, out.data)) throw_invalid_pair(a, b);
}

}  // namespace trajcore
