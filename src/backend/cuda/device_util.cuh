// Device-side helpers for the .cu files only: float conversion of the storage
// types, the activation functions (the same formulas as segrt::Activation),
// a type dispatcher and the launch-error check.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdio>

#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

template <class T> __device__ __forceinline__ float to_f(T v);
template <> __device__ __forceinline__ float to_f<float>(float v) { return v; }
template <> __device__ __forceinline__ float to_f<__half>(__half v) { return __half2float(v); }
template <> __device__ __forceinline__ float to_f<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }
template <> __device__ __forceinline__ float to_f<int64_t>(int64_t v) { return static_cast<float>(v); }

template <class T> __device__ __forceinline__ T from_f(float v);
template <> __device__ __forceinline__ float from_f<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_f<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ __forceinline__ int64_t from_f<int64_t>(float v) { return static_cast<int64_t>(v); }

__device__ __forceinline__ float apply_act(const Act& a, float x) {
  switch (a.kind) {
    case ActKind::None: return x;
    case ActKind::Relu: return x > 0.f ? x : 0.f;
    case ActKind::LeakyRelu: return x >= 0.f ? x : a.alpha * x;
    case ActKind::Elu: return x >= 0.f ? x : a.alpha * (expf(x) - 1.f);
    case ActKind::Selu: return a.beta * (x > 0.f ? x : a.alpha * (expf(x) - 1.f));
    case ActKind::Sigmoid: return static_cast<float>(1.0 / (1.0 + exp(-static_cast<double>(x))));
    case ActKind::HardSigmoid: return fmaxf(0.f, fminf(1.f, a.alpha * x + a.beta));
    case ActKind::HardSwish: return x * fmaxf(0.f, fminf(1.f, x / 6.f + 0.5f));
    case ActKind::Tanh: return tanhf(x);
    case ActKind::Softplus: {
      double d = x;
      return static_cast<float>(log1p(exp(-fabs(d))) + fmax(0.0, d));
    }
    case ActKind::Softsign: return x / (1.f + fabsf(x));
    case ActKind::Gelu: {
      double d = x;
      if (a.alpha != 0.f) return static_cast<float>(0.5 * d * (1.0 + tanh(0.7978845608028654 * (d + 0.044715 * d * d * d))));
      return static_cast<float>(0.5 * d * (1.0 + erf(d / 1.4142135623730951)));
    }
    case ActKind::Erf: return erff(x);
    case ActKind::Exp: return expf(x);
    case ActKind::Sqrt: return sqrtf(x);
    case ActKind::Neg: return -x;
    case ActKind::Abs: return fabsf(x);
    case ActKind::Clip: return fminf(fmaxf(x, a.alpha), a.beta);
    case ActKind::ThresholdedRelu: return x > a.alpha ? x : 0.f;
  }
  return x;
}

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
