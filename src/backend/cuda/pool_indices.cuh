// MaxPool with its Indices output, on channels-first data with 1 to 3
// spatial axes (padded to D, H, W with leading extents of 1). ONNX numbers
// indices over the whole NCHW input: plane * in_plane + (d*H + h)*W + w, or
// with storage_order=1 (2-D only) the plane column by column: w*H + h.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

struct MaxPoolIdxParams {
  int64_t planes = 1;  // N * C
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  int64_t k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, pad[3] = {0, 0, 0};
  bool column_major = false;
};

// y: the maxima (type t), idx: int64 indices, both [planes, out...].
void launch_maxpool_indices(const void* x, void* y, int64_t* idx, DevType t, const MaxPoolIdxParams& p,
                            cudaStream_t s);

}  // namespace segrt::cuda
