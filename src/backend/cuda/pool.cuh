// 2-D max / average pooling on channel-last [N, H, W, C] data (adjacent
// threads read adjacent channels: coalesced) or on NCHW data (adjacent
// threads read adjacent columns; strict fp32 runs NCHW); NHWC max pooling
// also of int8 (DevType::i8). Covers ceil_mode,
// asymmetric pads, dilations and global pooling (window = whole image).
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

struct PoolParams {
  int64_t n = 1, c = 1, in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int kh = 1, kw = 1, sh = 1, sw = 1, pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0, dh = 1, dw = 1;
  bool is_max = true;
  bool count_include_pad = false;
};

void launch_pool_nhwc(const void* x, void* y, DevType t, const PoolParams& p, cudaStream_t s);
void launch_pool_nchw(const void* x, void* y, DevType t, const PoolParams& p, cudaStream_t s);

}  // namespace segrt::cuda
