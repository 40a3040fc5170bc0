// Pooling kernel (see pool.cuh): one thread per output element.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/pool.cuh"

namespace segrt::cuda {

namespace {

template <class T>
__global__ void pool_nhwc_kernel(const T* x, T* y, PoolParams p, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t c = i % p.c, r = i / p.c;
    int64_t ow = r % p.out_w;
    r /= p.out_w;
    int64_t oh = r % p.out_h, b = r / p.out_h;
    int64_t h0 = oh * p.sh - p.pad_t, w0 = ow * p.sw - p.pad_l;
    float acc = p.is_max ? -INFINITY : 0.f;
    int count = 0, padded = 0;
    for (int ky = 0; ky < p.kh; ++ky) {
      int64_t h = h0 + int64_t(ky) * p.dh;
      for (int kx = 0; kx < p.kw; ++kx) {
        int64_t w = w0 + int64_t(kx) * p.dw;
        if (h < 0 || h >= p.in_h || w < 0 || w >= p.in_w) {
          // ONNX counts pad cells inside the padded input, not past it (ceil_mode).
          if (h >= -p.pad_t && h < p.in_h + p.pad_b && w >= -p.pad_l && w < p.in_w + p.pad_r) ++padded;
          continue;
        }
        float v = to_f(x[((b * p.in_h + h) * p.in_w + w) * p.c + c]);
        if (p.is_max) {
          acc = (v > acc || isnan(v)) ? v : acc;
        } else {
          acc += v;
        }
        ++count;
      }
    }
    if (!p.is_max) acc /= float(p.count_include_pad ? count + padded : count);
    y[i] = from_f<T>(acc);
  }
}

}  // namespace

void launch_pool_nhwc(const void* x, void* y, DevType t, const PoolParams& p, cudaStream_t s) {
  int64_t n = p.n * p.out_h * p.out_w * p.c;
  if (n == 0) return;
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    pool_nhwc_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), p, n);
  });
}

}  // namespace segrt::cuda
