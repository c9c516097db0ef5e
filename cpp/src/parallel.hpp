// parallel_for over a fixed partition, run on the shared pool (see trajcore/threading.hpp).
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace trajcore::detail {

// A non-owning reference to a callable void(int64_t chunk): no allocation per call.
class ChunkFn {
 public:
  template <class F>
  explicit ChunkFn(F& f) : obj_(&f), call_([](void* o, int64_t c) { (*static_cast<F*>(o))(c); }) {}
  void operator()(int64_t chunk) const { call_(obj_, chunk); }

 private:
  void* obj_;
  void (*call_)(void*, int64_t);
};

// Runs fn(c) for every c in [0, n_chunks) on the pool; the caller takes part. Returns when all
// chunks are done. If chunks throw, the exception of the lowest chunk is rethrown (the same one
// whatever the thread count). Nested calls and calls made while another thread owns the pool run
// inline on the calling thread.
void run_chunks(int64_t n_chunks, const ChunkFn& fn);

// fn(begin, end) over [0, n) in chunks of `grain` items. The partition depends on n and grain
// only, never on the thread count.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  const int64_t n_chunks = (n + grain - 1) / grain;
  auto chunk = [&](int64_t c) {
    const int64_t begin = c * grain;
    const int64_t end = begin + grain < n ? begin + grain : n;
    fn(begin, end);
  };
  run_chunks(n_chunks, ChunkFn(chunk));
}

}  // namespace trajcore::detail
