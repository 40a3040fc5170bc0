// Which axes ReduceMean reduces, shared by its shape function and kernels.
#pragma once
#include <vector>

#include "ir/attr.h"

namespace segrt {

// One flag per input axis: attribute `axes` (negative allowed); none given
// means all axes, or none with noop_with_empty_axes=1.
std::vector<char> reduced_axes(const Attrs& a, int rank);

}  // namespace segrt
