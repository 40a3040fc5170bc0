// Unique's slices and MaxUnpool's implied output shape, shared by the shape
// functions and kernels.
#pragma once
#include <vector>

#include "ir/attr.h"

namespace segrt {

struct UniqueResult {
  std::vector<int64_t> first;    // index of each unique slice's first occurrence (output order)
  std::vector<int64_t> counts;   // occurrences of each unique slice
  std::vector<int64_t> inverse;  // for every input slice, its unique slice
  int64_t outer = 1, len = 1, inner = 1;
  int axis = 0;
};

// Without an `axis` attribute the input is flattened; sorted=1 (default)
// orders the unique slices ascending, else by first occurrence.
UniqueResult unique_slices(const Tensor& x, const Attrs& a);

// MaxUnpool's output without an output_shape input: (in - 1) * stride +
// kernel - pads. Its indices always address this shape; an explicit larger
// output_shape keeps each value's coordinates.
Shape max_unpool_default_shape(const Attrs& a, const Shape& x);

}  // namespace segrt
