#include "trajcore/detail/broadcast.hpp"

namespace trajcore::detail {

PairBroadcast plan_pair_broadcast(const Shape& a, const Shape& b, const Shape& out) {
  // Per output dimension: its size and the item strides of a and b (0 where broadcast).
  int64_t dims[kMaxRank], sa[kMaxRank], sb[kMaxRank];
  const int r = out.rank();
  int64_t ca = 1, cb = 1;  // running contiguous strides of a and b
  for (int d = r - 1; d >= 0; --d) {
    const int ia = d - (r - a.rank()), ib = d - (r - b.rank());
    const int64_t na = ia >= 0 ? a[ia] : 1, nb = ib >= 0 ? b[ib] : 1;
    dims[d] = out[d];
    sa[d] = (na == 1 && out[d] != 1) ? 0 : ca;
    sb[d] = (nb == 1 && out[d] != 1) ? 0 : cb;
    ca *= na;
    cb *= nb;
  }
  // Merge neighbours d-1, d when stepping over d's full extent equals one step of d-1.
  PairBroadcast p;
  p.numel = out.numel();
  int n = 0;
  for (int d = 0; d < r; ++d) {
    if (dims[d] == 1) continue;  // size-1 dimensions never move an offset
    if (n > 0 && p.stride_a[n - 1] == sa[d] * dims[d] && p.stride_b[n - 1] == sb[d] * dims[d]) {
      p.dims[n - 1] *= dims[d];
      p.stride_a[n - 1] = sa[d];
      p.stride_b[n - 1] = sb[d];
      continue;
    }
    p.dims[n] = dims[d];
    p.stride_a[n] = sa[d];
    p.stride_b[n] = sb[d];
    ++n;
  }
  if (n == 0) {  // a single item
    p.dims[0] = 1;
    p.stride_a[0] = p.stride_b[0] = 0;
    n = 1;
  }
  p.rank = n;
  return p;
}

}  // namespace trajcore::detail
