// Axes handling shared by the reductions' shape function and kernels.
#pragma once
#include <vector>

#include "ir/attr.h"

namespace segrt {

// The attributes with `axes` taken from the (opset 18) axes input when given.
Attrs reduce_attrs_with_axes(const Attrs& a, const Tensor* axes_input);
// The input shape without the reduced dims (or with them as 1: keepdims).
Shape reduce_output_shape(const Shape& in, const std::vector<char>& red, bool keepdims);

}  // namespace segrt
