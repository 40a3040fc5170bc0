// Shapes of elementwise ops: unary activations keep the input's shape;
// binary and variadic arithmetic broadcast numpy-style.
#include "ir/activation.h"
#include "ir/shape.h"

namespace segrt {

namespace {

// Activations keep the input's shape; only some also take integer tensors.
void infer_activation(InferContext& c) {
  OpType op = c.node().op;
  bool ints = activation_takes_integers(op);
  SEGRT_CHECK(ints ? c.dtype(0) != DType::boolean : dtype_is_float(c.dtype(0)), Unsupported, op_name(op), " on ",
              dtype_name(c.dtype(0)), ints ? " tensors" : " tensors (float tensors only)");
  infer_same_as_input0(c);
}

void infer_broadcast(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() >= 1, InvalidModel, "needs at least one input");
  Shape s = c.shape(0);
  DType t = c.dtype(0);
  Layout l = c.layout(0);
  for (int i = 1; i < c.num_inputs(); ++i) {
    s = broadcast_shapes(s, c.shape(i));
    SEGRT_CHECK(c.dtype(i) == t || c.node().op == OpType::Pow, InvalidModel, "inputs have different element types (",
                dtype_name(t), " and ", dtype_name(c.dtype(i)), ")");
    if (c.rank(i) > static_cast<int>(c.shape(0).size())) l = c.layout(i);
  }
  c.set_output(0, t, s, l);
}

const bool activations_registered = register_for_activations(register_shape_fn, infer_activation);

}  // namespace

SEGRT_SHAPE_FN(Add, infer_broadcast);
SEGRT_SHAPE_FN(Sub, infer_broadcast);
SEGRT_SHAPE_FN(Mul, infer_broadcast);
SEGRT_SHAPE_FN(Div, infer_broadcast);
SEGRT_SHAPE_FN(Pow, infer_broadcast);
SEGRT_SHAPE_FN(Max, infer_broadcast);
SEGRT_SHAPE_FN(Min, infer_broadcast);
SEGRT_SHAPE_FN(Sum, infer_broadcast);
SEGRT_SHAPE_FN(PRelu, infer_broadcast);

}  // namespace segrt
