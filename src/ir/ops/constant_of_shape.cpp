// Shape of ConstantOfShape: the constant 1-D input is the output shape; the
// one-element `value` tensor attribute gives type and value (default float32 0).
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_constant_of_shape(InferContext& c) {
  auto dims = c.require_constant(0, "shape").to_i64_vector();
  for (int64_t d : dims) SEGRT_CHECK(d >= 0, InvalidModel, "ConstantOfShape has a negative dim ", d);
  const Tensor* v = c.attrs().tensor("value");
  SEGRT_CHECK(!v || v->numel() == 1, InvalidModel, "ConstantOfShape value must hold one element, it holds ",
              v->numel());
  c.set_output(0, v ? v->dtype() : DType::f32, Shape(dims.begin(), dims.end()));
}

}  // namespace

SEGRT_SHAPE_FN(ConstantOfShape, infer_constant_of_shape);

}  // namespace segrt
