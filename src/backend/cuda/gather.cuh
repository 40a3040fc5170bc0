// Gather along one axis: data viewed as [outer, len, inner], indices (int32
// or int64, any shape, flattened to n) pick inner blocks:
//   out[o, j, i] = data[o, idx[j] (+ len if negative), i].
// Works on raw elements of any size. An index outside [-len, len) (only
// possible for indices computed at run time; constant ones are checked at
// compile time) yields zeros rather than a read out of bounds.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

void launch_gather(const void* data, int elem_bytes, const void* idx, bool idx_i32, void* out, int64_t outer,
                   int64_t len, int64_t inner, int64_t n_idx, cudaStream_t s);

}  // namespace segrt::cuda
