// Runs independent tasks on a bounded number of threads: how KMS requests for many keys go out
// concurrently without opening hundreds of connections at once.
#ifndef OPENFLE_COMMON_PARALLEL_H_
#define OPENFLE_COMMON_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace openfle {

// Calls task(i) for every i in [0, count), at most `concurrency` at a time; returns when all are
// done. The tasks must not throw; each reports its result through its own slot.
inline void run_bounded(std::size_t count, int concurrency, const std::function<void(std::size_t)>& task) {
  const std::size_t workers = std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, concurrency)));
  if (workers <= 1) {
    for (std::size_t i = 0; i < count; ++i) task(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::jthread> threads;
  threads.reserve(workers);
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) task(i);
    });
  }
}

}  // namespace openfle

#endif  // OPENFLE_COMMON_PARALLEL_H_
