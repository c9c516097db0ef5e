// Counts every heap allocation of the test program (allocation_counter.cpp replaces the global
// operator new), so tests can assert that warm calls allocate nothing.
#pragma once

#include <atomic>

namespace trajcore::testing {
extern std::atomic<long> allocations;
}  // namespace trajcore::testing
