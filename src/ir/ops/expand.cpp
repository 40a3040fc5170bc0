// Shape of Expand: numpy broadcast of the input against the constant `shape`
// input (either side may hold the 1s, as in ONNX).
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_expand(InferContext& c) {
  auto target = c.require_constant(1, "shape").to_i64_vector();
  for (int64_t d : target) SEGRT_CHECK(d >= 0, InvalidModel, "Expand shape has a negative dim ", d);
  c.set_output(0, c.dtype(0), broadcast_shapes(c.shape(0), target));
}

}  // namespace

SEGRT_SHAPE_FN(Expand, infer_expand);

}  // namespace segrt
