// Shapes of the elementwise math of ONNX that is not an activation: unary
// float math (Floor, Log, Sin, ...), predicates (IsNaN, IsInf -> bool),
// comparisons and logic (broadcast -> bool), Mod, BitShift, Mean, Where and
// CastLike (the element type of its second input).
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_float_unary(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, op_name(c.node().op), " on ", dtype_name(c.dtype(0)),
              " tensors (float tensors only)");
  infer_same_as_input0(c);
}

// Sign, Reciprocal... keep the input type; Sign also takes integers.
void infer_numeric_unary(InferContext& c) {
  SEGRT_CHECK(c.dtype(0) != DType::boolean, Unsupported, op_name(c.node().op), " on bool tensors");
  infer_same_as_input0(c);
}

void infer_predicate(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), InvalidModel, op_name(c.node().op), " needs a float tensor, got ",
              dtype_name(c.dtype(0)));
  c.set_output(0, DType::boolean, c.shape(0), c.layout(0));
}

void infer_not(InferContext& c) {
  SEGRT_CHECK(c.dtype(0) == DType::boolean, InvalidModel, "Not needs a bool tensor, got ", dtype_name(c.dtype(0)));
  infer_same_as_input0(c);
}

Shape broadcast_all(InferContext& c, int first) {
  Shape s = c.shape(first);
  for (int i = first + 1; i < c.num_inputs(); ++i) s = broadcast_shapes(s, c.shape(i));
  return s;
}

void check_same_types(InferContext& c, int first) {
  for (int i = first + 1; i < c.num_inputs(); ++i)
    SEGRT_CHECK(c.dtype(i) == c.dtype(first), InvalidModel, "inputs have different element types (",
                dtype_name(c.dtype(first)), " and ", dtype_name(c.dtype(i)), ")");
}

void infer_compare(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 2, InvalidModel, op_name(c.node().op), " takes 2 inputs");
  check_same_types(c, 0);
  c.set_output(0, DType::boolean, broadcast_all(c, 0));
}

void infer_logic(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 2 && c.dtype(0) == DType::boolean && c.dtype(1) == DType::boolean, InvalidModel,
              op_name(c.node().op), " takes 2 bool inputs");
  c.set_output(0, DType::boolean, broadcast_all(c, 0));
}

// Mod, BitShift, Mean: broadcast, same type in and out.
void infer_arith(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() >= 1, InvalidModel, "needs at least one input");
  check_same_types(c, 0);
  const OpType op = c.node().op;
  if (op == OpType::BitShift) {
    const std::string dir = c.attrs().s("direction", "");
    SEGRT_CHECK(dir == "LEFT" || dir == "RIGHT", InvalidModel, "BitShift direction '", dir,
                "' (LEFT or RIGHT)");
    SEGRT_CHECK(c.dtype(0) == DType::u8, Unsupported, "BitShift on ", dtype_name(c.dtype(0)),
                " (unsigned types: segrt has uint8 only)");
  }
  if (op == OpType::Mean)
    SEGRT_CHECK(dtype_is_float(c.dtype(0)), InvalidModel, "Mean on ", dtype_name(c.dtype(0)), " tensors");
  if (op == OpType::Mod)
    SEGRT_CHECK(dtype_is_float(c.dtype(0)) ? c.attrs().i("fmod", 0) == 1 : c.dtype(0) != DType::boolean,
                InvalidModel, "Mod on ", dtype_name(c.dtype(0)), " needs fmod=1 for floats");
  c.set_output(0, c.dtype(0), broadcast_all(c, 0));
}

void infer_where(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 3 && c.dtype(0) == DType::boolean, InvalidModel,
              "Where takes (bool condition, X, Y)");
  SEGRT_CHECK(c.dtype(1) == c.dtype(2), InvalidModel, "Where: X is ", dtype_name(c.dtype(1)), ", Y is ",
              dtype_name(c.dtype(2)));
  c.set_output(0, c.dtype(1), broadcast_all(c, 0));
}

void infer_cast_like(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 2, InvalidModel, "CastLike takes 2 inputs");
  c.set_output(0, c.dtype(1), c.shape(0), c.layout(0));
}

}  // namespace

SEGRT_SHAPE_FN(Floor, infer_float_unary);
SEGRT_SHAPE_FN(Ceil, infer_float_unary);
SEGRT_SHAPE_FN(Round, infer_float_unary);
SEGRT_SHAPE_FN(Log, infer_float_unary);
SEGRT_SHAPE_FN(Sin, infer_float_unary);
SEGRT_SHAPE_FN(Cos, infer_float_unary);
SEGRT_SHAPE_FN(Tan, infer_float_unary);
SEGRT_SHAPE_FN(Asin, infer_float_unary);
SEGRT_SHAPE_FN(Acos, infer_float_unary);
SEGRT_SHAPE_FN(Atan, infer_float_unary);
SEGRT_SHAPE_FN(Sinh, infer_float_unary);
SEGRT_SHAPE_FN(Cosh, infer_float_unary);
SEGRT_SHAPE_FN(Asinh, infer_float_unary);
SEGRT_SHAPE_FN(Acosh, infer_float_unary);
SEGRT_SHAPE_FN(Atanh, infer_float_unary);
SEGRT_SHAPE_FN(Sign, infer_numeric_unary);
SEGRT_SHAPE_FN(Reciprocal, infer_float_unary);
SEGRT_SHAPE_FN(Shrink, infer_numeric_unary);
SEGRT_SHAPE_FN(IsNaN, infer_predicate);
SEGRT_SHAPE_FN(IsInf, infer_predicate);
SEGRT_SHAPE_FN(Not, infer_not);
SEGRT_SHAPE_FN(Mod, infer_arith);
SEGRT_SHAPE_FN(BitShift, infer_arith);
SEGRT_SHAPE_FN(Mean, infer_arith);
SEGRT_SHAPE_FN(Equal, infer_compare);
SEGRT_SHAPE_FN(Less, infer_compare);
SEGRT_SHAPE_FN(LessOrEqual, infer_compare);
SEGRT_SHAPE_FN(Greater, infer_compare);
SEGRT_SHAPE_FN(GreaterOrEqual, infer_compare);
SEGRT_SHAPE_FN(And, infer_logic);
SEGRT_SHAPE_FN(Or, infer_logic);
SEGRT_SHAPE_FN(Xor, infer_logic);
SEGRT_SHAPE_FN(Where, infer_where);
SEGRT_SHAPE_FN(CastLike, infer_cast_like);

}  // namespace segrt
