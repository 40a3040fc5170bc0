// ReduceMean over any set of axes: each output element (the kept axes, in
// logical order, written densely) averages the elements its reduced axes
// span. Both index spaces carry the input's strides, so the input may be in
// any physical format.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

struct ReduceView {
  Strides kept;     // dims of the output (reduced axes dropped) and input strides
  Strides reduced;  // dims of the reduced axes and their input strides
};

// y = mean(x) over view.reduced; one block per output, float64 sums (NaN for
// an empty reduction, like the reference).
void launch_reduce_mean(const void* x, void* y, DevType t, const ReduceView& view, cudaStream_t s);

}  // namespace segrt::cuda
