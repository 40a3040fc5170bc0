// Direct NHWC convolution for few output channels (see narrow_conv.cuh).
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/narrow_conv.cuh"

namespace segrt::cuda {

namespace {

constexpr int kMaxWeightFloats = 12 * 1024;  // 48 KiB
constexpr int kMaxKw = 3;                    // the register window holds P + kw - 1 columns
constexpr int kPixels = 4;                   // output pixels per thread

template <class T>
struct alignas(8 * sizeof(T)) Vec8 {
  T v[8];
};

// Each thread computes P neighbouring output pixels of one row: the input
// columns they share (P + kw - 1 per row and channel group) are loaded and
// converted to float once, and each weight read from shared memory serves P
// pixels (one weight per FMA kept the first version at the speed of shared memory).
template <class T, int K, int P>
__global__ void narrow_conv_kernel(const T* __restrict__ x, const float* __restrict__ w,
                                   const float* __restrict__ bias, T* __restrict__ y, NarrowConvArgs a, Act act) {
  extern __shared__ float sw[];
  const int nw = a.kh * a.kw * static_cast<int>(a.c) * K;
  for (int i = threadIdx.x; i < nw; i += blockDim.x) sw[i] = w[i];
  __syncthreads();
  const int64_t groups = (a.ow + P - 1) / P;
  const int64_t total = a.n * a.oh * groups;
  const int c8 = static_cast<int>(a.c / 8);
  for (int64_t g = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; g < total; g += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ow0 = (g % groups) * P, t = g / groups, oh = t % a.oh, n = t / a.oh;
    float acc[P][K];
#pragma unroll
    for (int p = 0; p < P; ++p)
#pragma unroll
      for (int k = 0; k < K; ++k) acc[p][k] = bias[k];
    for (int i = 0; i < a.kh; ++i) {
      const int64_t ih = oh - a.pad_t + i;
      if (ih < 0 || ih >= a.h) continue;
      const T* row = x + (n * a.h + ih) * a.w * a.c;
      for (int q = 0; q < c8; ++q) {
        float xf[P + kMaxKw - 1][8];  // the input columns ow0 - pad_l + u, zero outside
#pragma unroll
        for (int u = 0; u < P + kMaxKw - 1; ++u) {
          const int64_t iw = ow0 - a.pad_l + u;
          if (u < P + a.kw - 1 && iw >= 0 && iw < a.w) {
            const Vec8<T> v = *reinterpret_cast<const Vec8<T>*>(row + iw * a.c + q * 8);
#pragma unroll
            for (int e = 0; e < 8; ++e) xf[u][e] = to_f(v.v[e]);
          } else {
#pragma unroll
            for (int e = 0; e < 8; ++e) xf[u][e] = 0.f;
          }
        }
#pragma unroll
        for (int j = 0; j < kMaxKw; ++j) {
          if (j >= a.kw) break;
          const float* wp = sw + ((i * a.kw + j) * a.c + q * 8) * K;
          float wr[8 * K];
#pragma unroll
          for (int m = 0; m < 8 * K; ++m) wr[m] = wp[m];
#pragma unroll
          for (int p = 0; p < P; ++p)
#pragma unroll
            for (int e = 0; e < 8; ++e)
#pragma unroll
              for (int k = 0; k < K; ++k) acc[p][k] = fmaf(xf[p + j][e], wr[e * K + k], acc[p][k]);
        }
      }
    }
    T* out = y + ((n * a.oh + oh) * a.ow + ow0) * K;
#pragma unroll
    for (int p = 0; p < P; ++p)
      if (ow0 + p < a.ow)
#pragma unroll
        for (int k = 0; k < K; ++k) out[p * K + k] = from_f<T>(apply_act(act, acc[p][k]));
  }
}

template <class T, int K>
void launch_k(const void* x, const float* w, const float* bias, void* y, const NarrowConvArgs& a, const Act& act,
              cudaStream_t s) {
  const int64_t total = a.n * a.oh * ((a.ow + kPixels - 1) / kPixels);
  const size_t smem = sizeof(float) * a.kh * a.kw * a.c * K;
  narrow_conv_kernel<T, K, kPixels><<<blocks_for(total, 256), 256, smem, s>>>(static_cast<const T*>(x), w, bias,
                                                                      static_cast<T*>(y), a, act);
}

}  // namespace

bool narrow_conv_fits(const NarrowConvArgs& a) {
  return a.k >= 1 && a.k <= 4 && a.c % 8 == 0 && a.c > 0 && a.kw >= 1 && a.kw <= kMaxKw && a.kh >= 1 &&
         a.kh * a.kw * a.c * a.k <= kMaxWeightFloats;
}

void launch_narrow_conv(const void* x, const float* w, const float* bias, void* y, DevType t, const NarrowConvArgs& a,
                        const Act& act, cudaStream_t s) {
  if (a.n * a.oh * a.ow == 0) return;
  dispatch_float(t, [&](auto tv) {
    using T = decltype(tv);
    if constexpr (!std::is_same_v<T, int64_t>) {
      switch (a.k) {
        case 1: launch_k<T, 1>(x, w, bias, y, a, act, s); break;
        case 2: launch_k<T, 2>(x, w, bias, y, a, act, s); break;
        case 3: launch_k<T, 3>(x, w, bias, y, a, act, s); break;
        default: launch_k<T, 4>(x, w, bias, y, a, act, s); break;
      }
    }
  });
}

}  // namespace segrt::cuda
