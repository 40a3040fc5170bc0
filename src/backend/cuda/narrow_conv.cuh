// Direct NHWC convolution for few output channels (K <= 4): a segmentation
// head (64 -> 2 channels, 3x3) left to cuDNN ran at a quarter of the H200's
// bandwidth (0.74 ms at 512x512x16, bench/NOTES-cuda.md v18), since its
// tensor-core tiles need K in multiples of 8. One thread per four output
// pixels of a row, every K at once, the weights in shared memory, eight
// channels per load.
// conv.cpp times it against cuDNN's plan and keeps the faster.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

struct NarrowConvArgs {
  int64_t n, h, w, c;      // input (NHWC), unpadded
  int64_t oh, ow, k;       // output (NHWC)
  int kh, kw, pad_t, pad_l;  // stride and dilation 1
};

// Whether the kernel takes this shape: K <= 4, C a multiple of 8, kernel
// width <= 3, the weights (float, kh * kw * C * K) within 48 KiB of shared memory.
bool narrow_conv_fits(const NarrowConvArgs& a);
// w: float [kh][kw][C][K]; bias: float [K]; x, y in storage type t (f32 / f16 / bf16).
void launch_narrow_conv(const void* x, const float* w, const float* bias, void* y, DevType t, const NarrowConvArgs& a,
                        const Act& act, cudaStream_t s);

}  // namespace segrt::cuda
