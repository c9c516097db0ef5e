// The box kernels of each backend, called by box.cpp after argument checks. The CUDA ones are
// defined in cpp/cuda/box_ops.cu and exist only in CUDA builds.
#pragma once

#include <cstdint>

#include "trajcore/config.hpp"
#include "trajcore/detail/broadcast.hpp"
#include "trajcore/tensor.hpp"
#include "validate.hpp"

namespace trajcore::detail {

// CPU kernels (box_cpu.cpp). They check values as they read them and return false if any is
// invalid (the output is then incomplete and the caller reports the first invalid value).
bool box_corners_cpu(const float* boxes, int64_t n, float* corners);
bool box_overlap_cpu(const float* a, const float* b, const PairBroadcast& plan, bool* out);
bool box_distance_cpu(const float* a, const float* b, const PairBroadcast& plan, float* out);

#if TRAJCORE_WITH_CUDA
// First invalid box of a device array (a synchronising read-back of one small struct).
BoxDefect find_invalid_box_cuda(const float* boxes, int64_t n, float* value, Stream stream);

void box_corners_cuda(const float* boxes, int64_t n, float* corners, Stream stream);
void box_overlap_cuda(const float* a, const float* b, const PairBroadcast& plan, bool* out,
                      Stream stream);
void box_distance_cuda(const float* a, const float* b, const PairBroadcast& plan, float* out,
                       Stream stream);
#endif

}  // namespace trajcore::detail
