// Shapes of QuantizeLinear (float -> uint8/int8, the zero point's type),
// DequantizeLinear (-> the scale's type) and DynamicQuantizeLinear (-> uint8
// plus scalar scale and zero point). Scales are per tensor (a scalar) or per
// `axis` (1-D); opset 21's blocked quantization (block_size) is refused.
// Also the integer arithmetic ops: MatMulInteger / ConvInteger (int32
// results) and QLinearMatMul / QLinearConv (requantized to y's zero point type).
#include "ir/ops/conv_util.h"
#include "ir/shape.h"

namespace segrt {

namespace {

void check_scale(InferContext& c, int i) {
  const Shape& s = c.shape(i);
  SEGRT_CHECK(s.size() <= 1 && c.attrs().i("block_size", 0) == 0, Unsupported, op_name(c.node().op), " scale ",
              shape_str(s), " (per-tensor or per-axis only, no block_size)");
  if (s.size() == 1 && s[0] != 1)
    SEGRT_CHECK(s[0] == c.shape(0)[normalize_axis(c.attrs().i("axis", 1), c.rank(0))], InvalidModel,
                op_name(c.node().op), " scale ", shape_str(s), " does not match axis ", c.attrs().i("axis", 1));
}

void infer_quantize(InferContext& c) {
  check_scale(c, 1);
  const DType t = c.has_input(2) ? c.dtype(2) : DType::u8;
  SEGRT_CHECK(t == DType::u8 || t == DType::i8, Unsupported, "QuantizeLinear to ", dtype_name(t));
  c.set_output(0, t, c.shape(0));
}

void infer_dequantize(InferContext& c) {
  check_scale(c, 1);
  c.set_output(0, c.dtype(1), c.shape(0));
}

void infer_dynamic_quantize(InferContext& c) {
  SEGRT_CHECK(c.dtype(0) == DType::f32, InvalidModel, "DynamicQuantizeLinear takes float32");
  c.set_output(0, DType::u8, c.shape(0));
  c.set_output(1, DType::f32, {});
  c.set_output(2, DType::u8, {});
}

// numpy matmul: 1-D operands promoted, batch dims broadcast.
Shape matmul_shape(Shape a, Shape b) {
  SEGRT_CHECK(!a.empty() && !b.empty(), InvalidModel, "matmul of a scalar");
  const bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), 1);
  if (b1) b.push_back(1);
  SEGRT_CHECK(a.back() == b[b.size() - 2], InvalidModel, "matmul of ", shape_str(a), " and ", shape_str(b));
  Shape out = broadcast_shapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!a1) out.push_back(a[a.size() - 2]);
  if (!b1) out.push_back(b.back());
  return out;
}

bool is_8bit(DType t) { return t == DType::u8 || t == DType::i8; }

void infer_matmul_integer(InferContext& c) {
  SEGRT_CHECK(is_8bit(c.dtype(0)) && is_8bit(c.dtype(1)), InvalidModel, "MatMulInteger takes 8-bit integers");
  c.set_output(0, DType::i32, matmul_shape(c.shape(0), c.shape(1)));
}

void infer_qlinear_matmul(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 8 && is_8bit(c.dtype(0)) && is_8bit(c.dtype(3)), InvalidModel,
              "QLinearMatMul takes (a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point)");
  c.set_output(0, c.dtype(7), matmul_shape(c.shape(0), c.shape(3)));
}

Shape conv_integer_shape(InferContext& c, int x, int w) {
  ConvGeometry g = conv_geometry(c.attrs(), c.shape(x), c.shape(w));
  return make_activation_shape(c.attrs(), c.shape(x)[0], c.shape(w)[0], g.out);
}

void infer_conv_integer(InferContext& c) {
  SEGRT_CHECK(is_8bit(c.dtype(0)) && is_8bit(c.dtype(1)), InvalidModel, "ConvInteger takes 8-bit integers");
  c.set_output(0, DType::i32, conv_integer_shape(c, 0, 1));
}

void infer_qlinear_conv(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() >= 8 && is_8bit(c.dtype(0)) && is_8bit(c.dtype(3)), InvalidModel,
              "QLinearConv takes (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point[, B])");
  c.set_output(0, c.dtype(7), conv_integer_shape(c, 0, 3));
}

}  // namespace

SEGRT_SHAPE_FN(MatMulInteger, infer_matmul_integer);
SEGRT_SHAPE_FN(QLinearMatMul, infer_qlinear_matmul);
SEGRT_SHAPE_FN(ConvInteger, infer_conv_integer);
SEGRT_SHAPE_FN(QLinearConv, infer_qlinear_conv);
SEGRT_SHAPE_FN(QuantizeLinear, infer_quantize);
SEGRT_SHAPE_FN(DequantizeLinear, infer_dequantize);
SEGRT_SHAPE_FN(DynamicQuantizeLinear, infer_dynamic_quantize);

}  // namespace segrt
