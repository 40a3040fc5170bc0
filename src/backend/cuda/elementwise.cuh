// Elementwise kernels: activations, broadcasting binary arithmetic with a
// fused activation, per-channel affine (BatchNorm) and the conv epilogue
// (bias + residual + activation on channel-last data).
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

enum class BinOp : int { Add, Sub, Mul, Div, Pow, Max, Min, PRelu };

// y[i] = act(x[i]); x and y may alias.
void launch_unary(const void* x, void* y, DevType t, int64_t n, Act act, cudaStream_t s);
// y = act(a op b); sa/sb give a's and b's strides over y's dims (0 = broadcast).
// a and y may alias when a is not broadcast.
void launch_binary(BinOp op, const void* a, const Strides& sa, const void* b, const Strides& sb, void* y,
                   DevType t, Act act, cudaStream_t s);
// Channel-last epilogue: y[r, c] = act(y[r, c] * scale[c] + shift[c] + residual[r, c]).
// scale/shift are float32 (nullptr: 1 / 0); residual may be nullptr. `pitch`
// is the element distance between rows of y and residual (>= channels).
void launch_channel_affine(void* y, int64_t rows, int64_t channels, int64_t pitch, const float* scale,
                           const float* shift, const void* residual, DevType t, Act act, cudaStream_t s);
// Channel-first variant on [outer, channels, inner]: y = act(x * scale[c] + shift[c] + residual);
// x and y may alias; residual (same shape) may be nullptr.
void launch_channel_affine_nchw(const void* x, void* y, int64_t outer, int64_t channels, int64_t inner,
                                const float* scale, const float* shift, DevType t, Act act, cudaStream_t s,
                                const void* residual = nullptr);

}  // namespace segrt::cuda
