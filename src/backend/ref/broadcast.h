// Index arithmetic for numpy broadcasting, shared by the reference kernels.
#pragma once
#include <vector>

#include "core/strides.h"
#include "segrt/tensor.h"

namespace segrt::ref {

// Strides of `in` as seen from an output of shape `out` (0 on broadcast dims).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);
// Offset into a broadcast input for flat output index i.
inline int64_t broadcast_offset(int64_t i, const Shape& out, const std::vector<int64_t>& in_strides) {
  int64_t off = 0;
  for (size_t d = out.size(); d-- > 0;) {
    int64_t idx = i % out[d];
    i /= out[d];
    off += idx * in_strides[d];
  }
  return off;
}

}  // namespace segrt::ref
