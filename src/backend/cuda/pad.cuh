// Pad (constant / reflect / edge) over up to six dims of a dense tensor.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

enum class PadMode : int { Constant, Reflect, Edge };

struct PadParams {
  int rank = 0;
  int64_t in[kMaxDims] = {};
  int64_t out[kMaxDims] = {};
  int64_t begin[kMaxDims] = {};  // may be negative (cropping)
  PadMode mode = PadMode::Constant;
  float value = 0.f;
};

void launch_pad(const void* x, void* y, DevType t, const PadParams& p, cudaStream_t s);

}  // namespace segrt::cuda
