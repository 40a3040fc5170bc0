// Softmax / LogSoftmax and ArgMax along one axis of a tensor viewed as
// [outer, len, inner]; for channel-last segmentation maps inner = 1 and one
// thread handles one pixel's classes.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

void launch_softmax(const void* x, void* y, DevType t, int64_t outer, int64_t len, int64_t inner, bool log,
                    cudaStream_t s);
// y (int64, [outer, inner]) = index of the largest x along len; ties go to
// the first index, or the last with select_last.
void launch_argmax(const void* x, DevType t, int64_t* y, int64_t outer, int64_t len, int64_t inner,
                   bool select_last, cudaStream_t s);

}  // namespace segrt::cuda
