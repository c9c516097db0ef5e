// CPU kernels of the box operations.
//
// Items are processed in blocks: gathered into structure-of-arrays form (which also checks the
// values), their headings' sine and cosine computed in one vectorised loop, then the per-pair
// formula of obb_math.hpp. The value check rides along with the gather; when it trips, the
// caller runs the exact scan that names the first invalid element.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "box_backend.hpp"
#include "cpu_clones.hpp"
#include "parallel.hpp"
#include "trajcore/box.hpp"
#include "trajcore/detail/fast_sincos.hpp"
#include "trajcore/detail/obb_math.hpp"

namespace trajcore::detail {
namespace {

constexpr int64_t kGrain = 4096;  // items per chunk of the fixed partition
constexpr int kBlock = 64;        // items per structure-of-arrays block

// Everything a cloned kernel calls is inlined into it, so it is compiled for that clone's
// instruction set (an out-of-line helper would be compiled once, for the baseline).
#if defined(__GNUC__)
#define TRAJCORE_INLINE inline __attribute__((always_inline))
#else
#define TRAJCORE_INLINE inline
#endif

// One block of boxes in structure-of-arrays form.
struct BoxBlock {
  float x[kBlock], y[kBlock], yaw[kBlock], length[kBlock], width[kBlock];
  float s[kBlock], c[kBlock];

  TRAJCORE_INLINE void load(int k, const float* box) {
    x[k] = box[0];
    y[k] = box[1];
    yaw[k] = box[2];
    length[k] = box[3];
    width[k] = box[4];
  }

  // m consecutive boxes.
  TRAJCORE_INLINE void load_run(int m, const float* boxes) {
    int k = 0;
#if defined(__GNUC__)
    // Four boxes (20 floats, five 4-vectors) at a time, transposed by shuffles: compilers do not
    // vectorise a stride-5 access pattern themselves.
    typedef float v4 __attribute__((vector_size(16)));
    for (; k + 4 <= m; k += 4) {
      v4 v[5];  // loaded one by one: one wide copy then narrow reads stalls store forwarding
      for (int i = 0; i < 5; ++i) std::memcpy(&v[i], boxes + k * kBoxFields + 4 * i, sizeof(v4));
      // Box j's field f sits at float 5j + f, i.e. lane (5j + f) % 4 of vector (5j + f) / 4.
      const v4 vx = __builtin_shufflevector(__builtin_shufflevector(v[0], v[1], 0, 5, 0, 0),
                                            __builtin_shufflevector(v[2], v[3], 2, 7, 0, 0), 0, 1, 4, 5);
      const v4 vy = __builtin_shufflevector(__builtin_shufflevector(v[0], v[1], 1, 6, 0, 0),
                                            __builtin_shufflevector(v[2], v[4], 3, 4, 0, 0), 0, 1, 4, 5);
      const v4 vyaw = __builtin_shufflevector(__builtin_shufflevector(v[0], v[1], 2, 7, 0, 0),
                                              __builtin_shufflevector(v[3], v[4], 0, 5, 0, 0), 0, 1, 4, 5);
      const v4 vl = __builtin_shufflevector(__builtin_shufflevector(v[0], v[2], 3, 4, 0, 0),
                                            __builtin_shufflevector(v[3], v[4], 1, 6, 0, 0), 0, 1, 4, 5);
      const v4 vw = __builtin_shufflevector(__builtin_shufflevector(v[1], v[2], 0, 5, 0, 0),
                                            __builtin_shufflevector(v[3], v[4], 2, 7, 0, 0), 0, 1, 4, 5);
      std::memcpy(x + k, &vx, sizeof(vx));
      std::memcpy(y + k, &vy, sizeof(vy));
      std::memcpy(yaw + k, &vyaw, sizeof(vyaw));
      std::memcpy(length + k, &vl, sizeof(vl));
      std::memcpy(width + k, &vw, sizeof(vw));
    }
#endif
    for (; k < m; ++k) load(k, boxes + k * kBoxFields);
  }

  // 0 if a value of the first m slots is non-finite or an extent is negative.
  TRAJCORE_INLINE int valid(int m) const {
    int ok = 1;
    for (int k = 0; k < m; ++k) {
      // |v| <= FLT_MAX is false for NaN and +-inf.
      ok &= (fabsf(x[k]) <= FLT_MAX) & (fabsf(y[k]) <= FLT_MAX) & (fabsf(yaw[k]) <= FLT_MAX) &
            (length[k] >= 0.f) & (length[k] <= FLT_MAX) & (width[k] >= 0.f) & (width[k] <= FLT_MAX);
    }
    return ok;
  }

  TRAJCORE_INLINE void compute_sincos(int m) { sincos_headings(yaw, m, s, c); }

  TRAJCORE_INLINE Obb obb(int k) const { return make_obb(x[k], y[k], s[k], c[k], length[k], width[k]); }
};

// Kernels over [begin, end), compiled once per instruction set and picked when the library loads
// (TRAJCORE_CPU_CLONES, cpu_clones.hpp). Built with -ffp-contract=off, so every version computes
// bitwise the same results.

// Same-shape operands (the common case): consecutive boxes, no broadcast arithmetic.
struct SameIndex {
  void operator()(int64_t i, int64_t& ia, int64_t& ib) const { ia = ib = i; }
};

// Pairs i in [begin, end) with a[i] and b[i] at item offsets `ia(i)`, `ib(i)`. Returns 0 if a
// value is invalid.
template <class Out, class Op, class Offsets>
TRAJCORE_INLINE int pair_range(const float* a, const float* b, Offsets offsets, Out* out, int64_t begin,
                      int64_t end, Op op) {
  BoxBlock ba, bb;
  int ok = 1;
  for (int64_t i0 = begin; i0 < end; i0 += kBlock) {
    const int m = static_cast<int>(std::min<int64_t>(kBlock, end - i0));
    if constexpr (std::is_same_v<Offsets, SameIndex>) {
      ba.load_run(m, a + i0 * kBoxFields);
      bb.load_run(m, b + i0 * kBoxFields);
    } else {
      for (int k = 0; k < m; ++k) {
        int64_t ia, ib;
        offsets(i0 + k, ia, ib);
        ba.load(k, a + ia * kBoxFields);
        bb.load(k, b + ib * kBoxFields);
      }
    }
    ok &= ba.valid(m) & bb.valid(m);
    ba.compute_sincos(m);
    bb.compute_sincos(m);
    for (int k = 0; k < m; ++k) out[i0 + k] = op(ba.obb(k), bb.obb(k));
  }
  return ok;
}

struct Overlap {
  TRAJCORE_INLINE bool operator()(const Obb& p, const Obb& q) const { return obb_overlap(p, q); }
};
struct Distance {
  TRAJCORE_INLINE float operator()(const Obb& p, const Obb& q) const { return obb_distance(p, q); }
};

TRAJCORE_CPU_CLONES int overlap_range(const float* a, const float* b, const PairBroadcast& plan,
                                      bool* out, int64_t begin, int64_t end) {
  if (plan.rank == 1 && plan.stride_a[0] == 1 && plan.stride_b[0] == 1) {
    return pair_range(a, b, SameIndex{}, out, begin, end, Overlap{});
  }
  auto offsets = [&plan](int64_t i, int64_t& ia, int64_t& ib) { plan.offsets(i, ia, ib); };
  return pair_range(a, b, offsets, out, begin, end, Overlap{});
}

TRAJCORE_CPU_CLONES int distance_range(const float* a, const float* b, const PairBroadcast& plan,
                                       float* out, int64_t begin, int64_t end) {
  if (plan.rank == 1 && plan.stride_a[0] == 1 && plan.stride_b[0] == 1) {
    return pair_range(a, b, SameIndex{}, out, begin, end, Distance{});
  }
  auto offsets = [&plan](int64_t i, int64_t& ia, int64_t& ib) { plan.offsets(i, ia, ib); };
  return pair_range(a, b, offsets, out, begin, end, Distance{});
}

TRAJCORE_CPU_CLONES int corners_range(const float* boxes, float* corners, int64_t begin,
                                      int64_t end) {
  BoxBlock block;
  int ok = 1;
  for (int64_t i0 = begin; i0 < end; i0 += kBlock) {
    const int m = static_cast<int>(std::min<int64_t>(kBlock, end - i0));
    block.load_run(m, boxes + i0 * kBoxFields);
    ok &= block.valid(m);
    block.compute_sincos(m);
    for (int k = 0; k < m; ++k) {
      const Obb o = block.obb(k);
      for (int corner = 0; corner < 4; ++corner) {
        obb_corner(o, corner, corners + (i0 + k) * 8 + corner * 2);
      }
    }
  }
  return ok;
}

// Runs range(begin, end) -> ok over [0, n) on the pool; true if every chunk was ok.
template <class Range>
bool run_checked(int64_t n, Range range) {
  const int64_t n_chunks = (n + kGrain - 1) / kGrain;
  std::vector<char> chunk_ok(static_cast<size_t>(n_chunks), 1);
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    chunk_ok[static_cast<size_t>(begin / kGrain)] = static_cast<char>(range(begin, end));
  });
  return std::all_of(chunk_ok.begin(), chunk_ok.end(), [](char ok) { return ok != 0; });
}

}  // namespace

bool box_corners_cpu(const float* boxes, int64_t n, float* corners) {
  return run_checked(n, [&](int64_t begin, int64_t end) {
    return corners_range(boxes, corners, begin, end);
  });
}

bool box_overlap_cpu(const float* a, const float* b, const PairBroadcast& plan, bool* out) {
  return run_checked(plan.numel, [&](int64_t begin, int64_t end) {
    return overlap_range(a, b, plan, out, begin, end);
  });
}

bool box_distance_cpu(const float* a, const float* b, const PairBroadcast& plan, float* out) {
  return run_checked(plan.numel, [&](int64_t begin, int64_t end) {
    return distance_range(a, b, plan, out, begin, end);
  });
}

}  // namespace trajcore::detail
