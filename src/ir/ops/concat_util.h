// Split's part sizes, shared by its shape function and every backend's kernel.
#pragma once
#include <vector>

#include "segrt/tensor.h"

namespace segrt {

// Sizes of the parts of an axis of length `dim` cut into `num_outputs` parts:
// the constant `split` input when present, else equal parts (with
// `uneven_last`, opset 18's num_outputs rule: ceil-sized parts, a smaller last).
std::vector<int64_t> split_sizes(int64_t dim, int num_outputs, const Tensor* split, bool uneven_last);

}  // namespace segrt
