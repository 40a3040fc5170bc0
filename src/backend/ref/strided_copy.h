// The one data-movement loop behind the reference Slice, Transpose and
// Expand: walk the output in row-major order and read the input through
// arbitrary (possibly zero or negative) element strides.
#pragma once
#include <vector>

#include "segrt/tensor.h"

namespace segrt::ref {

// dst[i] = src[base + sum_d index_d(i) * in_strides[d]] for every element i of
// a row-major output of shape `out_shape`; strides and base count elements.
void strided_copy(Tensor& dst, const Tensor& src, const std::vector<int64_t>& in_strides, int64_t base = 0);

}  // namespace segrt::ref
