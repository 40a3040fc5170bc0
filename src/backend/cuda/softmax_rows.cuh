// Softmax / LogSoftmax over long contiguous rows (the opset < 13 form
// flattens everything from `axis` on into one row, e.g. C*H*W elements):
// a block per row, so one row is not left to a single thread.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

void launch_softmax_rows(const void* x, void* y, DevType t, int64_t rows, int64_t len, bool log, cudaStream_t s);

}  // namespace segrt::cuda
