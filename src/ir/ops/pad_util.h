// Pad amounts shared by the Pad shape function and every backend: the pads
// input (begin..., end... over all axes, or over `axes` since opset 18)
// expanded to one begin and one end per axis. Negative amounts crop.
//
//   PadAmounts p = pad_amounts(pads_tensor, axes_tensor_or_null, x.rank());
//   out[i] = x.dim(i) + p.begin[i] + p.end[i];
#pragma once
#include <vector>

#include "segrt/tensor.h"

namespace segrt {

struct PadAmounts {
  std::vector<int64_t> begin, end;
};

PadAmounts pad_amounts(const Tensor& pads, const Tensor* axes, int rank);

}  // namespace segrt
