// Transpose's permutation, shared by its shape function and the kernels.
#pragma once
#include <vector>

#include "ir/attr.h"

namespace segrt {

// The `perm` attribute checked against `rank` (absent: reversed axes).
std::vector<int64_t> transpose_perm(const Attrs& a, int rank);

}  // namespace segrt
