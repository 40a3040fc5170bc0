// The Shape op's dims, shared by its shape function, constant folding and
// every backend's kernel, so all agree on ONNX's rules for start / end
// (negative values count from the end, then clamp to [0, rank], end >= start).
//
//   Tensor dims = shape_op_value(n.attrs, x.shape());  // int64 [end - start]
#pragma once
#include <algorithm>
#include <vector>

#include "ir/attr.h"

namespace segrt {

struct DimRange {
  int64_t start = 0, end = 0;
};

inline DimRange shape_op_range(const Attrs& a, int64_t rank) {
  int64_t start = a.i("start", 0), end = a.i("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  return {start, std::clamp<int64_t>(end, start, rank)};
}

inline Tensor shape_op_value(const Attrs& a, const Shape& s) {
  DimRange r = shape_op_range(a, static_cast<int64_t>(s.size()));
  return Tensor::from_i64(std::vector<int64_t>(s.begin() + r.start, s.begin() + r.end), {r.end - r.start});
}

}  // namespace segrt
