// Resize kernel (see resize.cuh): one thread per output element sums the
// product of its per-axis taps. Channel-last data keeps neighbouring threads
// on neighbouring channels, so the gathers coalesce.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/resize.cuh"

namespace segrt::cuda {

namespace {

template <class T>
__global__ void resize_kernel(const T* x, T* y, ResizeTables p, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t o[4] = {0, 0, 0, 0}, st[4] = {0, 0, 0, 0};
    int n[4] = {1, 1, 1, 1};
    int64_t r = i, acc = 1;
    bool outside = false;
    for (int d = p.rank - 1; d >= 0; --d) {
      o[d] = r % p.out[d];
      r /= p.out[d];
      st[d] = acc;
      acc *= p.in[d];
      n[d] = p.n[d][o[d]];
      outside |= n[d] == 0;
    }
    if (outside) {
      y[i] = from_f<T>(p.extrapolation);
      continue;
    }
    float sum = 0.f;
    for (int a = 0; a < n[0]; ++a) {
      int64_t off0 = p.rank > 0 ? p.idx[0][o[0] * 4 + a] * st[0] : 0;
      float w0 = p.rank > 0 ? p.w[0][o[0] * 4 + a] : 1.f;
      for (int b = 0; b < (p.rank > 1 ? n[1] : 1); ++b) {
        int64_t off1 = off0 + (p.rank > 1 ? p.idx[1][o[1] * 4 + b] * st[1] : 0);
        float w1 = w0 * (p.rank > 1 ? p.w[1][o[1] * 4 + b] : 1.f);
        for (int c = 0; c < (p.rank > 2 ? n[2] : 1); ++c) {
          int64_t off2 = off1 + (p.rank > 2 ? p.idx[2][o[2] * 4 + c] * st[2] : 0);
          float w2 = w1 * (p.rank > 2 ? p.w[2][o[2] * 4 + c] : 1.f);
          for (int e = 0; e < (p.rank > 3 ? n[3] : 1); ++e) {
            int64_t off3 = off2 + (p.rank > 3 ? p.idx[3][o[3] * 4 + e] * st[3] : 0);
            float w3 = w2 * (p.rank > 3 ? p.w[3][o[3] * 4 + e] : 1.f);
            sum += w3 * to_f(x[off3]);
          }
        }
      }
    }
    y[i] = from_f<T>(sum);
  }
}

}  // namespace

void launch_resize(const void* x, void* y, DevType t, const ResizeTables& p, cudaStream_t s) {
  int64_t total = 1;
  for (int d = 0; d < p.rank; ++d) total *= p.out[d];
  if (total == 0) return;
  if (t == DevType::i8) {  // nearest on 8-bit data: one tap of weight 1, so the value is copied
    resize_kernel<int8_t><<<blocks_for(total, 256), 256, 0, s>>>(static_cast<const int8_t*>(x), static_cast<int8_t*>(y),
                                                                  p, total);
    return;
  }
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    resize_kernel<T><<<blocks_for(total, 256), 256, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), p, total);
  });
}

}  // namespace segrt::cuda
