// Per-tensor QuantizeLinear / DequantizeLinear with zero point 0, the form
// calibrated models and fuse_qdq_conv leave around 8-bit convolutions:
//   q = saturate(round_half_even(x / scale))     (ONNX: float32 division)
//   x = q * scale
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

// x: float storage (f32 / f16 / bf16); q: i8, u8 or e4m3 (float8 e4m3fn:
// converted, rounding to nearest even and saturating to +-448). n elements.
void launch_quantize(const void* x, DevType xt, void* q, DevType qt, float scale, int64_t n, cudaStream_t s);
void launch_dequantize(const void* q, DevType qt, void* x, DevType xt, float scale, int64_t n, cudaStream_t s);

}  // namespace segrt::cuda
