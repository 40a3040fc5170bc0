// A tensor whose bytes are not zero-filled, for code that writes every one of
// them at once (a copy from a file, a layout transform): one pass less over
// memory than Tensor(dtype, shape), which matters for 100 MB of weights.
#pragma once
#include "segrt/tensor.h"

namespace segrt {

Tensor uninitialized_tensor(DType dtype, const Shape& shape, Layout layout = Layout::Plain);

}  // namespace segrt
