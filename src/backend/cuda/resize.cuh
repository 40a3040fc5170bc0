// Resize as a separable gather: for every axis and output index the host
// precomputes up to four (input index, weight) taps with the shared ONNX
// semantics (ir/ops/resize_util.h, the same code the reference uses), so the
// kernel only sums weighted taps. A tap count of 0 marks an output outside a
// tf_crop_and_resize box (it gets the extrapolation value).
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

struct ResizeTables {
  int rank = 0;                     // up to 4, in physical axis order
  int64_t in[4] = {}, out[4] = {};
  const int* idx[4] = {};           // [out * 4] input indices
  const float* w[4] = {};           // [out * 4] weights
  const unsigned char* n[4] = {};   // [out] tap counts
  float extrapolation = 0.f;
};

void launch_resize(const void* x, void* y, DevType t, const ResizeTables& p, cudaStream_t s);

}  // namespace segrt::cuda
