// MaxPool-with-Indices kernel (see pool_indices.cuh): a thread per output
// element walks its window in the reference's order (d, h, w) with the
// reference's rule (a larger value or a NaN takes over), so ties and NaNs
// give the reference's index.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/pool_indices.cuh"

namespace segrt::cuda {

namespace {

template <class T>
__global__ void maxpool_indices_kernel(const T* x, T* y, int64_t* idx, MaxPoolIdxParams p, int64_t n) {
  const int64_t in_plane = p.in[0] * p.in[1] * p.in[2];
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t ow = i % p.out[2], r = i / p.out[2];
    int64_t oh = r % p.out[1];
    r /= p.out[1];
    int64_t od = r % p.out[0], plane = r / p.out[0];
    const T* px = x + plane * in_plane;
    float best = -INFINITY;
    int64_t best_at = -1;
    for (int64_t kd = 0; kd < p.k[0]; ++kd) {
      int64_t id = od * p.s[0] - p.pad[0] + kd * p.d[0];
      if (id < 0 || id >= p.in[0]) continue;
      for (int64_t kh = 0; kh < p.k[1]; ++kh) {
        int64_t ih = oh * p.s[1] - p.pad[1] + kh * p.d[1];
        if (ih < 0 || ih >= p.in[1]) continue;
        for (int64_t kw = 0; kw < p.k[2]; ++kw) {
          int64_t iw = ow * p.s[2] - p.pad[2] + kw * p.d[2];
          if (iw < 0 || iw >= p.in[2]) continue;
          int64_t at = (id * p.in[1] + ih) * p.in[2] + iw;
          float v = to_f(px[at]);
          if (v > best || isnan(v)) {
            best = v;
            best_at = plane * in_plane + (p.column_major ? iw * p.in[1] + ih : at);
          }
        }
      }
    }
    y[i] = from_f<T>(best);
    idx[i] = best_at;
  }
}

}  // namespace

void launch_maxpool_indices(const void* x, void* y, int64_t* idx, DevType t, const MaxPoolIdxParams& p,
                            cudaStream_t s) {
  int64_t n = p.planes * p.out[0] * p.out[1] * p.out[2];
  if (n == 0) return;
  dispatch_float(t, [&](auto a) {
    using T = decltype(a);
    maxpool_indices_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), idx,
                                                                 p, n);
  });
}

}  // namespace segrt::cuda
