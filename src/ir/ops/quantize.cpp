// Shapes of QuantizeLinear (float -> uint8/int8, the zero point's type),
// DequantizeLinear (-> the scale's type) and DynamicQuantizeLinear (-> uint8
// plus scalar scale and zero point). Scales are per tensor (a scalar), per
// `axis` (1-D) or, opset 21, blocked: the scale has x's rank and x's `axis`
// dimension is ceil-divided by `block_size`. Quantized types: int8, uint8 and
// (opset 19) float8 e4m3fn / e5m2, chosen by the zero point or `output_dtype`.
// Also the integer arithmetic ops: MatMulInteger / ConvInteger (int32
// results) and QLinearMatMul / QLinearConv (requantized to y's zero point type).
#include "ir/ops/conv_util.h"
#include "ir/ops/quantize_util.h"
#include "ir/shape.h"

namespace segrt {

namespace {

void check_scale(InferContext& c, int i) {
  const Shape& s = c.shape(i);
  const Shape& x = c.shape(0);
  const int64_t block = c.attrs().i("block_size", 0);
  const char* op = op_name(c.node().op);
  if (block > 0) {
    SEGRT_CHECK(s.size() == x.size(), InvalidModel, op, " block_size ", block, ": scale ", shape_str(s),
                " must have the rank of x ", shape_str(x));
    const int axis = normalize_axis(c.attrs().i("axis", 1), c.rank(0));
    for (int d = 0; d < c.rank(0); ++d)
      SEGRT_CHECK(d == axis ? s[d] == (x[d] + block - 1) / block : s[d] == x[d], InvalidModel, op, " block_size ",
                  block, ": scale ", shape_str(s), " does not tile x ", shape_str(x), " along axis ", axis);
    return;
  }
  SEGRT_CHECK(s.size() <= 1, InvalidModel, op, " scale ", shape_str(s), " (per-tensor, per-axis or blocked only)");
  if (s.size() == 1 && s[0] != 1)
    SEGRT_CHECK(s[0] == x[normalize_axis(c.attrs().i("axis", 1), c.rank(0))], InvalidModel, op, " scale ",
                shape_str(s), " does not match axis ", c.attrs().i("axis", 1));
}

// The quantized type: the zero point's, else opset 21's output_dtype (an ONNX type code), else uint8.
DType quantized_type(InferContext& c) {
  if (c.has_input(2)) return c.dtype(2);
  switch (c.attrs().i("output_dtype", 0)) {
    case 0: case 2: return DType::u8;
    case 3: return DType::i8;
    case 17: return DType::f8e4m3fn;
    case 19: return DType::f8e5m2;
    default: SEGRT_FAIL(Unsupported, "QuantizeLinear output_dtype ", c.attrs().i("output_dtype", 0), " (element type)");
  }
}

void infer_quantize(InferContext& c) {
  check_scale(c, 1);
  const DType t = quantized_type(c);
  SEGRT_CHECK(is_quantized_type(t), Unsupported, "QuantizeLinear to ", dtype_name(t), " (element type)");
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

// segrt's QLinearConv also carries a fused activation (fused_* attributes,
// applied to the dequantized result before requantizing) and may leave out
// y_scale and y_zero_point: its output is then that float32 result, the
// convolution an int8 pass made of DequantizeLinear -> Conv (passes/fuse_qdq_conv.cpp).
// Its fp8 form (segrt's, for backends with fp8 convolutions): x, w and y in
// float8 e4m3fn with zero points 0, the same formula with the products summed
// in float.
void infer_qlinear_conv(InferContext& c) {
  const bool fp8 = c.num_inputs() >= 4 && c.dtype(0) == DType::f8e4m3fn && c.dtype(3) == DType::f8e4m3fn;
  SEGRT_CHECK(c.num_inputs() >= 6 && c.has_input(1) && c.has_input(4) &&
                  (fp8 || (is_8bit(c.dtype(0)) && is_8bit(c.dtype(3)))),
              InvalidModel,
              "QLinearConv takes (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point[, B])");
  const bool quantized_out = c.has_input(6);
  SEGRT_CHECK(!quantized_out || (c.has_input(7) && (fp8 ? c.dtype(7) == DType::f8e4m3fn : is_8bit(c.dtype(7)))),
              InvalidModel, "QLinearConv: y_scale without a y_zero_point of x's kind (8-bit integer or float8)");
  c.set_output(0, quantized_out ? c.dtype(7) : DType::f32, conv_integer_shape(c, 0, 3));
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
