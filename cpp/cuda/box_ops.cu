// CUDA implementations of the box operations: the same per-element formulas as the CPU backend
// (trajcore/detail/obb_math.hpp), one thread per item, launched on the caller's stream.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "../src/box_backend.hpp"
#include "cuda_check.cuh"
#include "trajcore/box.hpp"
#include "trajcore/detail/obb_math.hpp"

namespace trajcore::detail {
namespace {

struct DefectSlot {
  unsigned long long first;  // flat float index of the first invalid value, or ~0
};

__global__ void find_invalid_box_kernel(const float* boxes, int64_t n_values, DefectSlot* slot) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n_values;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float v = boxes[i];
    const int field = static_cast<int>(i % kBoxFields);
    if (!isfinite(v) || (field >= 3 && v < 0.f)) atomicMin(&slot->first, (unsigned long long)i);
  }
}

__global__ void box_corners_kernel(const float* boxes, int64_t n, float* corners) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const Obb o = make_obb(boxes + i * kBoxFields);
    for (int k = 0; k < 4; ++k) obb_corner(o, k, corners + i * 8 + k * 2);
  }
}

template <class Out, class Op>
__global__ void pair_kernel(const float* a, const float* b, PairBroadcast plan, Out* out, Op op) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < plan.numel;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t ia, ib;
    plan.offsets(i, ia, ib);
    out[i] = op(make_obb(a + ia * kBoxFields), make_obb(b + ib * kBoxFields));
  }
}

struct OverlapOp {
  __device__ bool operator()(const Obb& a, const Obb& b) const { return obb_overlap(a, b); }
};
struct DistanceOp {
  __device__ float operator()(const Obb& a, const Obb& b) const { return obb_distance(a, b); }
};

}  // namespace

BoxDefect find_invalid_box_cuda(const float* boxes, int64_t n, float* value, Stream stream) {
  cudaStream_t s = as_cuda_stream(stream);
  DefectSlot* slot = nullptr;
  cuda_check(cudaMallocAsync(&slot, sizeof(DefectSlot), s), "cudaMallocAsync");
  cuda_check(cudaMemsetAsync(slot, 0xff, sizeof(DefectSlot), s), "cudaMemsetAsync");
  const int64_t n_values = n * kBoxFields;
  find_invalid_box_kernel<<<grid_for(n_values), 256, 0, s>>>(boxes, n_values, slot);
  cuda_check(cudaGetLastError(), "find_invalid_box_kernel launch");
  DefectSlot host{};
  cuda_check(cudaMemcpyAsync(&host, slot, sizeof(DefectSlot), cudaMemcpyDeviceToHost, s),
             "cudaMemcpyAsync");
  cuda_check(cudaFreeAsync(slot, s), "cudaFreeAsync");
  cuda_check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
  if (host.first == ~0ull) return {};
  cuda_check(cudaMemcpy(value, boxes + host.first, sizeof(float), cudaMemcpyDeviceToHost),
             "cudaMemcpy");
  return {static_cast<int64_t>(host.first / kBoxFields), static_cast<int>(host.first % kBoxFields)};
}

void box_corners_cuda(const float* boxes, int64_t n, float* corners, Stream stream) {
  box_corners_kernel<<<grid_for(n), 256, 0, as_cuda_stream(stream)>>>(boxes, n, corners);
  cuda_check(cudaGetLastError(), "box_corners_kernel launch");
}

void box_overlap_cuda(const float* a, const float* b, const PairBroadcast& plan, bool* out,
                      Stream stream) {
  pair_kernel<<<grid_for(plan.numel), 256, 0, as_cuda_stream(stream)>>>(a, b, plan, out,
                                                                         OverlapOp{});
  cuda_check(cudaGetLastError(), "box_overlap kernel launch");
}

void box_distance_cuda(const float* a, const float* b, const PairBroadcast& plan, float* out,
                       Stream stream) {
  pair_kernel<<<grid_for(plan.numel), 256, 0, as_cuda_stream(stream)>>>(a, b, plan, out,
                                                                         DistanceOp{});
  cuda_check(cudaGetLastError(), "box_distance kernel launch");
}

}  // namespace trajcore::detail
