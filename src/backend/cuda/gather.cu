// Gather kernel (see gather.cuh): one thread per output element, elements
// moved as unsigned words of their size.
#include <cstdint>

#include "backend/cuda/device_util.cuh"
#include "backend/cuda/gather.cuh"

namespace segrt::cuda {

namespace {

template <class W, class I>
__global__ void gather_kernel(const W* data, const I* idx, W* out, int64_t len, int64_t inner, int64_t n_idx,
                              int64_t n) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x) {
    int64_t i = e % inner, t = e / inner;
    int64_t j = t % n_idx, o = t / n_idx;
    int64_t k = static_cast<int64_t>(idx[j]);
    if (k < 0) k += len;
    out[e] = (k >= 0 && k < len) ? data[(o * len + k) * inner + i] : W{};
  }
}

}  // namespace

void launch_gather(const void* data, int elem_bytes, const void* idx, bool idx_i32, void* out, int64_t outer,
                   int64_t len, int64_t inner, int64_t n_idx, cudaStream_t s) {
  int64_t n = outer * n_idx * inner;
  if (n == 0) return;
  auto go = [&](auto w, auto ix) {
    using W = decltype(w);
    using I = decltype(ix);
    gather_kernel<W, I><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const W*>(data), static_cast<const I*>(idx),
                                                           static_cast<W*>(out), len, inner, n_idx, n);
  };
  auto by_index = [&](auto w) {
    if (idx_i32) go(w, int32_t{});
    else go(w, int64_t{});
  };
  switch (elem_bytes) {
    case 8: by_index(uint64_t{}); break;
    case 4: by_index(uint32_t{}); break;
    case 2: by_index(uint16_t{}); break;
    default: by_index(uint8_t{}); break;
  }
}

}  // namespace segrt::cuda
