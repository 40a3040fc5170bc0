// Device-side helpers for the .cu files only: float conversion of the storage
// types, the activation dispatch (the formulas of ir/activation_math.h),
// a type dispatcher and the launch-error check.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cstdio>

#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

template <class T> __device__ __forceinline__ float to_f(T v);
template <> __device__ __forceinline__ float to_f<float>(float v) { return v; }
template <> __device__ __forceinline__ float to_f<__half>(__half v) { return __half2float(v); }
template <> __device__ __forceinline__ float to_f<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }
template <> __device__ __forceinline__ float to_f<int64_t>(int64_t v) { return static_cast<float>(v); }
template <> __device__ __forceinline__ float to_f<int8_t>(int8_t v) { return static_cast<float>(v); }
template <> __device__ __forceinline__ float to_f<__nv_fp8_e4m3>(__nv_fp8_e4m3 v) { return static_cast<float>(v); }

template <class T> __device__ __forceinline__ T from_f(float v);
template <> __device__ __forceinline__ float from_f<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_f<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
// Round to nearest even, saturating to +-448 (NaN stays NaN): ONNX's float8
// conversion with saturate = 1 (Cast's and QuantizeLinear's default).
template <> __device__ __forceinline__ __nv_fp8_e4m3 from_f<__nv_fp8_e4m3>(float v) { return __nv_fp8_e4m3(v); }
template <> __device__ __forceinline__ int64_t from_f<int64_t>(float v) { return static_cast<int64_t>(v); }
// Saturating, ties to even (an empty max window's -Inf becomes -128).
template <> __device__ __forceinline__ int8_t from_f<int8_t>(float v) {
  return static_cast<int8_t>(fminf(127.f, fmaxf(-128.f, rintf(v))));
}

// The formulas of ir/activation_math.h, the ones every backend uses.
__device__ __forceinline__ float apply_act(const Act& a, float x) { return act::apply(a.kind, x, a.alpha, a.beta); }

// Calls f(T{}) with T the C++ type of a float storage type.
template <class F>
void dispatch_float(DevType t, F&& f) {
  switch (t) {
    case DevType::f32: f(float{}); break;
    case DevType::f16: f(__half{}); break;
    case DevType::bf16: f(__nv_bfloat16{}); break;
    case DevType::i64: f(int64_t{}); break;
    default: break;  // never asked: other types are only moved by size (copy.cu) or cast (cast.cu)
  }
}

inline unsigned blocks_for(int64_t n, int threads) {
  int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(b > 1048576 ? 1048576 : (b < 1 ? 1 : b));
}

}  // namespace segrt::cuda
