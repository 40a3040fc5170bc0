// Softmax / LogSoftmax as [outer, n, inner]: normalise over n for each
// (outer, inner) pair. Shared by the shape function and every backend, so the
// two axis semantics (see softmax.cpp) are decided in one place.
#pragma once
#include "ir/attr.h"

namespace segrt {

struct SoftmaxGeometry {
  int64_t outer = 1, n = 1, inner = 1;
};

SoftmaxGeometry softmax_geometry(const Attrs& a, const Shape& input);

}  // namespace segrt
