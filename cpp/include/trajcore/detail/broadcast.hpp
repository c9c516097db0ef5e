// Numpy-style broadcasting of two operands of a pair function, reduced to the fewest dimensions.
//
// Dimensions are in items (a box is one item), not floats. After merging adjacent dimensions
// that broadcast alike, the common cases are rank 1: equal shapes (strides 1, 1) and one item
// against many (strides 0, 1).
#pragma once

#include <cstdint>

#include "trajcore/detail/hd.hpp"
#include "trajcore/tensor.hpp"

namespace trajcore::detail {

struct PairBroadcast {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t stride_a[kMaxRank] = {};
  int64_t stride_b[kMaxRank] = {};
  int64_t numel = 0;

  // Item offsets into a and b of output item i (row-major over dims).
  TRAJCORE_HD void offsets(int64_t i, int64_t& ia, int64_t& ib) const {
    if (rank == 1) {
      ia = i * stride_a[0];
      ib = i * stride_b[0];
      return;
    }
    ia = 0;
    ib = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t q = i / dims[d];
      const int64_t r = i - q * dims[d];
      ia += r * stride_a[d];
      ib += r * stride_b[d];
      i = q;
    }
  }
};

// Plans the broadcast of item shapes a and b (already known to be compatible, see
// broadcast_shapes in validate.hpp) whose result has shape `out`.
PairBroadcast plan_pair_broadcast(const Shape& a, const Shape& b, const Shape& out);

}  // namespace trajcore::detail
