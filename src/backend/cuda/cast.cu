// Cast kernel (see cast.cuh): one thread per output element; the source and
// target types are switched on at run time (uniform across the grid), which
// keeps one kernel instead of 81 instantiations for a rarely hot op.
#include <cstdint>

#include "backend/cuda/cast.cuh"
#include "backend/cuda/device_util.cuh"

namespace segrt::cuda {

namespace {

// A loaded element: floats as double, integers and bool as int64.
struct Elem {
  bool is_float;
  double f;
  int64_t i;
};

__device__ __forceinline__ Elem load(const void* p, DevType t, int64_t k) {
  switch (t) {
    case DevType::f32: return {true, static_cast<const float*>(p)[k], 0};
    case DevType::f16: return {true, __half2float(static_cast<const __half*>(p)[k]), 0};
    case DevType::bf16: return {true, __bfloat162float(static_cast<const __nv_bfloat16*>(p)[k]), 0};
    case DevType::f64: return {true, static_cast<const double*>(p)[k], 0};
    case DevType::i64: return {false, 0, static_cast<const int64_t*>(p)[k]};
    case DevType::i32: return {false, 0, static_cast<const int32_t*>(p)[k]};
    case DevType::i8: return {false, 0, static_cast<const int8_t*>(p)[k]};
    case DevType::u8: return {false, 0, static_cast<const uint8_t*>(p)[k]};
    case DevType::b8: return {false, 0, static_cast<const uint8_t*>(p)[k] ? 1 : 0};
    case DevType::e4m3: return {true, to_f(static_cast<const __nv_fp8_e4m3*>(p)[k]), 0};
  }
  return {false, 0, 0};
}

// Float -> integer in [lo, hi]: truncate, saturate, NaN -> 0 (the reference's rule).
__device__ __forceinline__ int64_t to_int(const Elem& e, double lo, double hi) {
  if (!e.is_float) return e.i;
  if (isnan(e.f)) return 0;
  return static_cast<int64_t>(fmin(fmax(trunc(e.f), lo), hi));
}

__device__ __forceinline__ void store(void* p, DevType t, int64_t k, const Elem& e, RoundTo round) {
  // Floats: the reference converts through float (Tensor::cast), so do we.
  float f = e.is_float ? static_cast<float>(e.f) : static_cast<float>(static_cast<double>(e.i));
  if (round == RoundTo::F16) f = __half2float(__float2half_rn(f));
  if (round == RoundTo::BF16) f = __bfloat162float(__float2bfloat16_rn(f));
  switch (t) {
    case DevType::f32: static_cast<float*>(p)[k] = f; break;
    case DevType::f16: static_cast<__half*>(p)[k] = __float2half_rn(f); break;
    case DevType::bf16: static_cast<__nv_bfloat16*>(p)[k] = __float2bfloat16_rn(f); break;
    case DevType::f64: static_cast<double*>(p)[k] = e.is_float ? e.f : static_cast<double>(e.i); break;
    case DevType::i64: static_cast<int64_t*>(p)[k] = to_int(e, -9.2e18, 9.2e18); break;
    case DevType::i32:
      static_cast<int32_t*>(p)[k] = static_cast<int32_t>(to_int(e, -2147483648.0, 2147483647.0));
      break;
    case DevType::i8: static_cast<int8_t*>(p)[k] = static_cast<int8_t>(to_int(e, -128, 127)); break;
    case DevType::u8: static_cast<uint8_t*>(p)[k] = static_cast<uint8_t>(to_int(e, 0, 255)); break;
    case DevType::b8: static_cast<uint8_t*>(p)[k] = (e.is_float ? e.f != 0 : e.i != 0) ? 1 : 0; break;
    case DevType::e4m3: static_cast<__nv_fp8_e4m3*>(p)[k] = from_f<__nv_fp8_e4m3>(f); break;
  }
}

__global__ void cast_kernel(const void* in, DevType tin, void* out, DevType tout, Strides st, RoundTo round,
                            int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i, off = 0;
    for (int d = st.rank - 1; d >= 0; --d) {
      int64_t idx = r % st.dims[d];
      r /= st.dims[d];
      off += idx * st.in[d];
    }
    store(out, tout, i, load(in, tin, off), round);
  }
}

}  // namespace

void launch_cast(const void* in, DevType tin, void* out, DevType tout, const Strides& st, RoundTo round,
                 cudaStream_t s) {
  int64_t n = 1;
  for (int d = 0; d < st.rank; ++d) n *= st.dims[d];
  if (n == 0) return;
  cast_kernel<<<blocks_for(n, 256), 256, 0, s>>>(in, tin, out, tout, st, round, n);
}

}  // namespace segrt::cuda
