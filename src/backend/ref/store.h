// Writes double-precision results into a kernel's preallocated output,
// rounding once to the output's dtype and keeping its shape and layout.
#pragma once
#include <cstring>
#include <vector>

#include "segrt/tensor.h"

namespace segrt::ref {

inline void store_f64(Tensor& out, const std::vector<double>& v) {
  Tensor r(DType::f64, out.shape());
  std::memcpy(r.raw(), v.data(), v.size() * sizeof(double));
  Tensor c = r.cast(out.dtype());
  if (out.nbytes()) std::memcpy(out.raw(), c.raw(), out.nbytes());
}

}  // namespace segrt::ref
