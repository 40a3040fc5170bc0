// QuantizeLinear / DequantizeLinear kernels (see quantize.cuh). Quantize
// takes eight values per thread where alignment allows it: it runs over
// whole activations.
#include <cstdint>

#include "backend/cuda/device_util.cuh"
#include "backend/cuda/quantize.cuh"

namespace segrt::cuda {

namespace {

using e4m3 = __nv_fp8_e4m3;

// rintf rounds half to even; NaN saturates like the reference (fmin/fmax drop it to lo).
template <class Q>
__device__ __forceinline__ Q quantize_one(float x, float scale, float lo, float hi) {
  return static_cast<Q>(fminf(fmaxf(rintf(x / scale), lo), hi));
}
// float8: the conversion rounds (to nearest even) and saturates (saturate = 1).
template <>
__device__ __forceinline__ e4m3 quantize_one<e4m3>(float x, float scale, float, float) {
  return from_f<e4m3>(x / scale);
}

template <class T, class Q>
__global__ void quantize_kernel(const T* x, Q* q, float scale, float lo, float hi, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    q[i] = quantize_one<Q>(to_f(x[i]), scale, lo, hi);
}

// Eight elements per thread (16- or 32-byte loads, one 8-byte store): the
// per-element kernel above reached a fifth of the H200's bandwidth on the
// U-Net's activations (bench/NOTES-cuda.md v16).
template <class T>
struct alignas(8 * sizeof(T)) Vec8 {
  T v[8];
};
template <class Q>
struct alignas(8) Out8 {
  Q v[8];
};

template <class T, class Q>
__global__ void quantize8_kernel(const Vec8<T>* x, Out8<Q>* q, float scale, float lo, float hi, int64_t n8) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n8; i += int64_t(gridDim.x) * blockDim.x) {
    const Vec8<T> in = x[i];
    Out8<Q> out;
#pragma unroll
    for (int k = 0; k < 8; ++k) out.v[k] = quantize_one<Q>(to_f(in.v[k]), scale, lo, hi);
    q[i] = out;
  }
}

template <class Q, class T>
__global__ void dequantize_kernel(const Q* q, T* x, float scale, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    x[i] = from_f<T>(static_cast<float>(q[i]) * scale);
}

}  // namespace

void launch_quantize(const void* x, DevType xt, void* q, DevType qt, float scale, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  dispatch_float(xt, [&](auto t) {
    using T = decltype(t);
    const bool u8 = qt == DevType::u8;
    const float lo = u8 ? 0.f : -128.f, hi = u8 ? 255.f : 127.f;
    auto run = [&](auto qv) {
      using Q = decltype(qv);
      const int64_t n8 = reinterpret_cast<uintptr_t>(x) % alignof(Vec8<T>) == 0 &&
                                 reinterpret_cast<uintptr_t>(q) % alignof(Out8<Q>) == 0
                             ? n / 8
                             : 0;
      if (n8 > 0)
        quantize8_kernel<<<blocks_for(n8, 256), 256, 0, s>>>(static_cast<const Vec8<T>*>(x), static_cast<Out8<Q>*>(q),
                                                             scale, lo, hi, n8);
      if (n > n8 * 8)  // the tail, or everything when unaligned
        quantize_kernel<<<blocks_for(n - n8 * 8, 256), 256, 0, s>>>(static_cast<const T*>(x) + n8 * 8,
                                                                    static_cast<Q*>(q) + n8 * 8, scale, lo, hi,
                                                                    n - n8 * 8);
    };
    if (qt == DevType::e4m3) run(e4m3{});
    else if (u8) run(uint8_t{});
    else run(int8_t{});
  });
}

void launch_dequantize(const void* q, DevType qt, void* x, DevType xt, float scale, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  dispatch_float(xt, [&](auto t) {
    using T = decltype(t);
    if (qt == DevType::e4m3)
      dequantize_kernel<<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const e4m3*>(q), static_cast<T*>(x), scale, n);
    else if (qt == DevType::u8)
      dequantize_kernel<<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const uint8_t*>(q), static_cast<T*>(x), scale, n);
    else
      dequantize_kernel<<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const int8_t*>(q), static_cast<T*>(x), scale, n);
  });
}

}  // namespace segrt::cuda
