// The shared CPU thread pool.
//
// Work is cut into chunks whose boundaries depend only on the problem size, never on the number
// of threads, and every reduction combines chunk results in chunk order: results are bitwise
// identical for any thread count.
#pragma once

namespace trajcore {

// Number of threads (the calling thread included) CPU work may use; n >= 1.
// Default: the CPUs this process may run on, or TRAJCORE_NUM_THREADS when set.
void set_num_threads(int n);
int get_num_threads();

}  // namespace trajcore
