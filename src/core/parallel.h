// Splits [0, n) into contiguous ranges run on a few std::threads: for the
// compile-time bulk work on weights (casts, layout permutations of 31 M
// parameters), which runs once per engine on an otherwise idle host. Small
// ranges (< 2 grains) stay on the calling thread; the work must be safe to run
// in any split (each index written by exactly one range).
#pragma once
#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "segrt/tensor.h"

namespace segrt {

// Tensor::cast split over parallel_ranges: for weights cast once when a model
// is compiled (31 M parameters in one call), never for run-time tensors.
Tensor cast_bulk(const Tensor& t, DType to);

// Runs f(begin, end) over `parts` contiguous ranges of [0, n) (at most n),
// the first on the calling thread. An exception thrown in any range is
// rethrown here once every range has finished.
template <class F>
void parallel_parts(int64_t n, int64_t parts, F&& f) {
  parts = std::min(parts, n);
  if (parts < 2) {
    if (n > 0) f(int64_t{0}, n);
    return;
  }
  std::exception_ptr error;
  std::mutex m;
  auto run = [&](int64_t p) {
    try {
      f(n * p / parts, n * (p + 1) / parts);
    } catch (...) {
      std::lock_guard<std::mutex> lock(m);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(parts - 1));
  for (int64_t p = 1; p < parts; ++p) pool.emplace_back(run, p);
  run(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// Bulk work on up to 8 threads (no more than the cores), ranges of at least
// `grain` elements.
template <class F>
void parallel_ranges(int64_t n, int64_t grain, F&& f) {
  const int64_t hw = std::max<int64_t>(1, std::thread::hardware_concurrency());
  parallel_parts(n, std::min<int64_t>({hw, 8, n / std::max<int64_t>(grain, 1)}), std::forward<F>(f));
}

}  // namespace segrt
