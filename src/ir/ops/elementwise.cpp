// Shapes of elementwise ops: unary activations keep the input's shape;
// binary and variadic arithmetic broadcast numpy-style.
#include "ir/activation.h"
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_unary(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, op_name(c.node().op), " on ", dtype_name(c.dtype(0)),
              " tensors (float tensors only)");
  infer_same_as_input0(c);
}

// Clip (opset 12+) also bounds integer tensors.
void infer_clip(InferContext& c) {
  SEGRT_CHECK(c.dtype(0) != DType::boolean, Unsupported, "Clip on bool tensors");
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

}  // namespace

SEGRT_SHAPE_FN(Relu, infer_unary);
SEGRT_SHAPE_FN(LeakyRelu, infer_unary);
SEGRT_SHAPE_FN(Elu, infer_unary);
SEGRT_SHAPE_FN(Selu, infer_unary);
SEGRT_SHAPE_FN(Sigmoid, infer_unary);
SEGRT_SHAPE_FN(HardSigmoid, infer_unary);
SEGRT_SHAPE_FN(HardSwish, infer_unary);
SEGRT_SHAPE_FN(Tanh, infer_unary);
SEGRT_SHAPE_FN(Softplus, infer_unary);
SEGRT_SHAPE_FN(Softsign, infer_unary);
SEGRT_SHAPE_FN(Gelu, infer_unary);
SEGRT_SHAPE_FN(Erf, infer_unary);
SEGRT_SHAPE_FN(Exp, infer_unary);
SEGRT_SHAPE_FN(Sqrt, infer_unary);
SEGRT_SHAPE_FN(Clip, infer_clip);
SEGRT_SHAPE_FN(ThresholdedRelu, infer_unary);
SEGRT_SHAPE_FN(Neg, infer_same_as_input0);
SEGRT_SHAPE_FN(Abs, infer_same_as_input0);

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
