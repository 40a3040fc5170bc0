// Pad amounts shared by the Pad shape function and every backend: the pads
// input (begin..., end... over all axes, or over `axes` since opset 18)
// expanded to one begin and one end per axis. Negative amounts crop.
//
//   PadAmounts p = pad_amounts(pads_tensor, axes_tensor_or_null, x.rank());
//   out[i] = x.dim(i) + p.begin[i] + p.end[i];
//   src = pad_source_index(o - p.begin[i], x.dim(i), mode);  // -1: the constant
#pragma once
#include <string>
#include <vector>

#include "segrt/tensor.h"

namespace segrt {

struct PadAmounts {
  std::vector<int64_t> begin, end;
};

PadAmounts pad_amounts(const Tensor& pads, const Tensor* axes, int rank);

// The input index along one axis of length len that padded position i (counted
// from the input's first element, so negative in the begin pad) reads, or -1
// for the constant. Modes: constant, edge (clamped), wrap (opset 19: the input
// repeats), reflect (mirrored without repeating the border; |pad| < len is
// checked by the shape function).
int64_t pad_source_index(int64_t i, int64_t len, const std::string& mode);

}  // namespace segrt
