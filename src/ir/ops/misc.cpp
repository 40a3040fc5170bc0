// Shapes of pass-through and source ops: Identity, Dropout, Constant, Shape.
#include <algorithm>

#include "ir/shape.h"
#include "ir/ops/shape_util.h"

namespace segrt {

namespace {

// Dropout is the identity at inference. training_mode=true (input 2) makes it
// random unless the ratio (input 1, default 0.5) is 0: refused, not faked.
void infer_dropout(InferContext& c) {
  if (c.has_input(2) && c.require_constant(2, "training_mode").to_i64_vector().at(0) != 0) {
    double ratio = c.has_input(1) ? c.require_constant(1, "ratio").to_f64_vector().at(0) : 0.5;
    SEGRT_CHECK(ratio == 0, Unsupported, "Dropout with training_mode=true and ratio ", ratio,
                " is random (segrt runs inference only)");
  }
  infer_same_as_input0(c);
  if (c.num_outputs() > 1) c.set_output(1, DType::boolean, c.shape(0));  // mask: all true at inference
}

// Constant: exactly one of value (tensor) or value_float(s)/value_int(s).
void infer_constant(InferContext& c) {
  const Attrs& a = c.attrs();
  if (const Tensor* t = a.tensor("value")) c.set_output(0, t->dtype(), t->shape());
  else if (a.has("value_float")) c.set_output(0, DType::f32, {});
  else if (a.has("value_int")) c.set_output(0, DType::i64, {});
  else if (a.has("value_floats")) c.set_output(0, DType::f32, {static_cast<int64_t>(a.floats("value_floats").size())});
  else if (a.has("value_ints")) c.set_output(0, DType::i64, {static_cast<int64_t>(a.ints("value_ints").size())});
  else SEGRT_FAIL(Unsupported, "Constant without a value, value_float(s) or value_int(s) attribute");
}

void infer_shape(InferContext& c) {
  DimRange r = shape_op_range(c.attrs(), c.rank(0));
  c.set_output(0, DType::i64, {r.end - r.start});
}

}  // namespace

SEGRT_SHAPE_FN(Identity, infer_same_as_input0);
SEGRT_SHAPE_FN(Dropout, infer_dropout);
SEGRT_SHAPE_FN(Constant, infer_constant);
SEGRT_SHAPE_FN(Shape, infer_shape);

}  // namespace segrt
