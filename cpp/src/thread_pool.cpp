#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "parallel.hpp"
#include "trajcore/error.hpp"
#include "trajcore/threading.hpp"

namespace trajcore {
namespace {

int default_num_threads() {
  if (const char* env = std::getenv("TRAJCORE_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n >= 1 && n <= 1024) return static_cast<int>(n);
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    return CPU_COUNT(&set) > 0 ? CPU_COUNT(&set) : 1;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

thread_local bool t_inside_job = false;  // set while a thread executes chunks

// How long a worker waiting for the next job, or a caller waiting for its workers, polls before
// it sleeps on a condition variable. A planning cycle runs dozens of short parallel loops; a
// futex wake-up costs tens of microseconds each, which polling avoids.
constexpr std::chrono::microseconds kSpin{200};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls `ready` for up to kSpin; true as soon as it holds.
template <class Ready>
bool spin_until(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) return ready();
  }
}

class ThreadPool {
 public:
  explicit ThreadPool(int threads) : threads_(threads) {}
  ~ThreadPool() { stop_workers(); }

  int threads() const { return threads_; }

  void resize(int threads) {
    std::lock_guard<std::mutex> own(owner_);  // waits for a running job
    stop_workers();
    threads_ = threads;
  }

  void run(int64_t n_chunks, const detail::ChunkFn& fn) {
    if (n_chunks == 1 || threads_ == 1 || t_inside_job) return run_inline(n_chunks, fn);
    std::unique_lock<std::mutex> own(owner_, std::try_to_lock);
    if (!own.owns_lock()) return run_inline(n_chunks, fn);  // another thread's job is running
    if (workers_.empty()) start_workers();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      n_chunks_ = n_chunks;
      next_.store(0);
      error_chunk_ = -1;
      error_ = nullptr;
      busy_.store(static_cast<int>(workers_.size()));
      generation_.store(generation_.load() + 1);  // publishes the fields above to pollers
    }
    wake_.notify_all();
    work();
    auto all_done = [&] { return busy_.load() == 0; };
    if (!spin_until(all_done)) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, all_done);
    }
    std::lock_guard<std::mutex> lock(mutex_);  // pairs with the workers' error writes
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_inline(int64_t n_chunks, const detail::ChunkFn& fn) {
    const bool outer = !t_inside_job;
    t_inside_job = true;
    try {
      for (int64_t c = 0; c < n_chunks; ++c) fn(c);
    } catch (...) {
      if (outer) t_inside_job = false;
      throw;
    }
    if (outer) t_inside_job = false;
  }

  // Takes chunks until none are left.
  void work() {
    t_inside_job = true;
    for (int64_t c; (c = next_.fetch_add(1)) < n_chunks_;) {
      try {
        (*fn_)(c);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (error_chunk_ < 0 || c < error_chunk_) {
          error_chunk_ = c;
          error_ = std::current_exception();
        }
      }
    }
    t_inside_job = false;
  }

  // `seen`: the last job generation published before this worker started, which it must not
  // take part in (the caller counted only the workers that existed then).
  void worker_loop(uint64_t seen) {
    for (;;) {
      auto woken = [&] { return stopping_.load() || generation_.load() != seen; };
      if (!spin_until(woken)) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, woken);
      }
      if (stopping_.load()) return;
      seen = generation_.load();
      work();
      if (busy_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);  // the caller may be between test and wait
        done_.notify_one();
      }
    }
  }

  void start_workers() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(false);
    const uint64_t seen = generation_.load();
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, seen] { worker_loop(seen); });
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_.store(true);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::atomic<int> threads_;
  std::mutex owner_;  // held by the thread whose job the workers run
  std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  // Atomic so that pollers may read them without the mutex; written under it.
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> busy_{0};
  const detail::ChunkFn* fn_ = nullptr;
  int64_t n_chunks_ = 0;
  std::atomic<int64_t> next_{0};
  int64_t error_chunk_ = -1;
  std::exception_ptr error_;
};

std::mutex g_pool_mutex;
ThreadPool* g_pool = nullptr;  // created on first use

// A forked child has none of the parent's worker threads (torch DataLoader workers fork): it
// abandons the parent's pool, without touching its possibly locked mutexes, and starts afresh.
void forget_pool_in_child() {
  new (&g_pool_mutex) std::mutex();
  g_pool = nullptr;
}

ThreadPool& pool() {
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, forget_pool_in_child);
    return true;
  }();
  (void)registered;
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (g_pool == nullptr) g_pool = new ThreadPool(default_num_threads());  // lives until exit
  return *g_pool;
}

}  // namespace

void set_num_threads(int n) {
  if (n < 1) {
    throw Error("set_num_threads: n is " + std::to_string(n) + ", expected an integer >= 1");
  }
  pool().resize(n);
}

int get_num_threads() { return pool().threads(); }

namespace detail {
void run_chunks(int64_t n_chunks, const ChunkFn& fn) { pool().run(n_chunks, fn); }
}  // namespace detail

}  // namespace trajcore
