// InstanceNormalization: for each (sample n, channel c) the plane of P
// spatial elements x[n*sn + c*sc + p*sp] is normalised with its own mean and
// variance: y = (x - mean) * scale[c] / sqrt(var + eps) + bias[c]. Strides
// let one kernel read NCHW (sc = P, sp = 1) and channel-last data (sc = 1,
// sp = C); y has x's layout.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

struct InstanceNormParams {
  int64_t n = 1, c = 1, p = 1;     // samples, channels, spatial elements
  int64_t sn = 0, sc = 0, sp = 0;  // element strides
  double eps = 1e-5;
};

// scale and bias: c elements of type t.
void launch_instance_norm(const void* x, void* y, const void* scale, const void* bias, DevType t,
                          const InstanceNormParams& p, cudaStream_t s);

}  // namespace segrt::cuda
