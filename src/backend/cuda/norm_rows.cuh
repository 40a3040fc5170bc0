// LayerNormalization and GroupNormalization kernels. Both normalise `rows`
// runs of `len` contiguous elements with their own mean and variance (two
// passes: mean, then the centred sum of squares, as the reference does) and
// apply a per-element affine transform:
//   LayerNormalization: row = the leading axes, len = the normalised axes,
//     y = (x - mean) / sqrt(var + eps) * scale[i] + bias[i], i the offset in the row;
//   GroupNormalization (NCHW, dense): row = (n, group), len = C/G x spatial,
//     scale and bias per channel (opset 21) or per group (opset 18).
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

// scale: len elements; bias: len elements or null. Types t.
void launch_layer_norm(const void* x, void* y, const void* scale, const void* bias, DevType t, int64_t rows,
                       int64_t len, double eps, cudaStream_t s);

struct GroupNormParams {
  int64_t n = 1, c = 1, groups = 1, spatial = 1;
  bool per_group = false;  // scale/bias hold one value per group (opset 18), else per channel
  double eps = 1e-5;
};
void launch_group_norm(const void* x, void* y, const void* scale, const void* bias, DevType t,
                       const GroupNormParams& p, cudaStream_t s);

}  // namespace segrt::cuda
