// Splits [0, n) into contiguous ranges run on a few std::threads: for the
// compile-time bulk work on weights (casts, layout permutations of 31 M
// parameters), which runs once per engine on an otherwise idle host. Small
// ranges (< 2 grains) stay on the calling thread; the work must be safe to run
// in any split (each index written by exactly one range).
#pragma once
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "segrt/tensor.h"

namespace segrt {

// Tensor::cast split over parallel_ranges: for weights cast once when a model
// is compiled (31 M parameters in one call), never for run-time tensors.
Tensor cast_bulk(const Tensor& t, DType to);

template <class F>
void parallel_ranges(int64_t n, int64_t grain, F&& f) {
  const int64_t hw = std::max<int64_t>(1, std::thread::hardware_concurrency());
  const int64_t parts = std::min<int64_t>({hw, 8, n / std::max<int64_t>(grain, 1)});
  if (parts < 2) {
    if (n > 0) f(int64_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(parts - 1));
  const int64_t step = (n + parts - 1) / parts;
  for (int64_t p = 1; p < parts; ++p)
    pool.emplace_back([&f, p, step, n] { f(p * step, std::min(n, (p + 1) * step)); });
  f(int64_t{0}, std::min(n, step));
  for (auto& t : pool) t.join();
}

}  // namespace segrt
