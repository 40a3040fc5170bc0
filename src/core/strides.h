// Row-major (C order) element strides of a shape: the one copy every backend
// uses. A zero-size dim counts as 1, so the strides of an empty tensor are
// still a valid description (oneDNN rejects zero strides); no element is read.
//
//   row_major_strides({2, 3, 4}) == {12, 4, 1}
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace segrt {

inline std::vector<int64_t> row_major_strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> st(dims.size(), 1);
  for (size_t d = dims.size(); d-- > 1;) st[d - 1] = st[d] * (dims[d] > 1 ? dims[d] : 1);
  return st;
}

}  // namespace segrt
