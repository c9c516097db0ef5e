// Marks functions compiled for both host and device, so the CPU and CUDA backends share one
// implementation of every per-element formula.
#pragma once

#if defined(__CUDACC__)
#define TRAJCORE_HD __host__ __device__ __forceinline__
#elif defined(__GNUC__)
// Always inlined: the CPU kernels are compiled once per instruction set (box_cpu.cpp) and must
// take these formulas with them.
#define TRAJCORE_HD inline __attribute__((always_inline))
#else
#define TRAJCORE_HD inline
#endif

namespace trajcore::detail {

// min/max as plain selects: compilers vectorise these (fminf/fmaxf carry NaN rules that keep
// GCC from it), and inputs are finite by the time they get here.
TRAJCORE_HD float min_f(float a, float b) { return a < b ? a : b; }
TRAJCORE_HD float max_f(float a, float b) { return a > b ? a : b; }

}  // namespace trajcore::detail
