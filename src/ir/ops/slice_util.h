// Slice's per-axis ranges, shared by its shape function and every backend's
// kernel, so all agree on ONNX's clamping rules.
//
//   auto r = slice_ranges(x.shape(), starts, ends, axes, steps);
//   // element j of output axis d reads input index r[d].start + j * r[d].step
#pragma once
#include <vector>

#include "segrt/tensor.h"

namespace segrt {

struct SliceRange {
  int64_t start = 0;  // first input index read
  int64_t step = 1;   // may be negative
  int64_t count = 0;  // output length along the axis
};

// One range per input axis (untouched axes: start 0, step 1, the full length).
// Empty `axes` means 0..len(starts)-1, empty `steps` means all 1.
std::vector<SliceRange> slice_ranges(const Shape& in, const std::vector<int64_t>& starts,
                                     const std::vector<int64_t>& ends, const std::vector<int64_t>& axes,
                                     const std::vector<int64_t>& steps);

}  // namespace segrt
