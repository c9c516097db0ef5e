#include "allocation_counter.hpp"

#include <cstdlib>
#include <new>

namespace trajcore::testing {
std::atomic<long> allocations{0};
}  // namespace trajcore::testing

void* operator new(std::size_t n) {
  ++trajcore::testing::allocations;
  if (void* p = std::malloc(n != 0 ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
