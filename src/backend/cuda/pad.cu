// Pad kernel (see pad.cuh): one thread per output element maps its index
// back into the input, or writes the constant.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/pad.cuh"

namespace segrt::cuda {

namespace {

template <class T>
__global__ void pad_kernel(const T* x, T* y, PadParams p, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i, off = 0, st = 1;
    bool inside = true;
    for (int d = p.rank - 1; d >= 0; --d) {
      int64_t o = r % p.out[d];
      r /= p.out[d];
      int64_t j = o - p.begin[d], len = p.in[d];
      if (j < 0 || j >= len) {
        if (p.mode == PadMode::Constant) {
          inside = false;
        } else if (p.mode == PadMode::Edge) {
          j = j < 0 ? 0 : len - 1;
        } else if (len == 1) {
          j = 0;
        } else {  // reflect without repeating the edge
          int64_t period = 2 * (len - 1);
          j = ((j % period) + period) % period;
          if (j >= len) j = period - j;
        }
      }
      off += j * st;
      st *= len;
    }
    y[i] = inside ? x[off] : from_f<T>(p.value);
  }
}

}  // namespace

void launch_pad(const void* x, void* y, DevType t, const PadParams& p, cudaStream_t s) {
  int64_t n = 1;
  for (int d = 0; d < p.rank; ++d) n *= p.out[d];
  if (n == 0) return;
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    pad_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), p, n);
  });
}

}  // namespace segrt::cuda
