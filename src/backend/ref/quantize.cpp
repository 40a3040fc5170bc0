// Reference linear (de)quantization: q = saturate(round_half_even(x / scale)
// + zero_point) (float8: the float8 conversion of x / scale + zero_point,
// saturating unless saturate = 0); x = (q - zero_point) * scale; DynamicQuantizeLinear picks
// scale and zero point from the data's range (always including 0). The
// integer MatMul / Conv ops subtract the zero points and run the reference
// MatMul / Conv kernels on the exact (small integer) differences; segrt's
// float8 QLinearConv (zero points 0) on the float8 values themselves.
#include <algorithm>
#include <cmath>

#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/activation.h"
#include "ir/ops/quantize_util.h"
#include "ir/shape.h"

namespace segrt::ref {

namespace {

// Zero point element for scale element k (absent: 0).
double zero_point(const std::vector<double>& zp, int64_t k) { return zp.empty() ? 0.0 : zp[zp.size() > 1 ? k : 0]; }

void quantize_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const ScaleIndex at(n.attrs, in[0]->shape(), in[1]->shape());
  auto x = in[0]->to_f64_vector(), scale = in[1]->to_f64_vector();
  const auto zp = in.size() > 2 && in[2] ? in[2]->to_f64_vector() : std::vector<double>{};
  const DType t = out[0].dtype();
  // x / scale is one float32 division in ONNX's reference and ONNX Runtime; a
  // double quotient can round to the other side of a .5 tie.
  const bool f32 = in[0]->dtype() == DType::f32 && in[1]->dtype() == DType::f32;
  auto quotient = [&](int64_t i) {
    return f32 ? static_cast<float>(x[i]) / static_cast<float>(scale[at(i)]) : x[i] / scale[at(i)];
  };
  if (is_fp8(t)) {  // no integer rounding: the float8 conversion rounds (saturate: attribute, default 1)
    const bool saturate = n.attrs.i("saturate", 1) != 0;
    auto* q = static_cast<uint8_t*>(out[0].raw());
    for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i)
      q[i] = f32_to_f8(static_cast<float>(quotient(i) + zero_point(zp, at(i))), t, saturate);
    return;
  }
  const double lo = t == DType::i8 ? -128 : 0, hi = t == DType::i8 ? 127 : 255;
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i)
    x[i] = std::clamp(std::nearbyint(quotient(i)) + zero_point(zp, at(i)), lo, hi);
  store_f64(out[0], x);
}

void dequantize_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const ScaleIndex at(n.attrs, in[0]->shape(), in[1]->shape());
  auto x = in[0]->to_f64_vector(), scale = in[1]->to_f64_vector();
  const auto zp = in.size() > 2 && in[2] ? in[2]->to_f64_vector() : std::vector<double>{};
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) x[i] = (x[i] - zero_point(zp, at(i))) * scale[at(i)];
  store_f64(out[0], x);
}

void dynamic_quantize_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto x = in[0]->to_f64_vector();
  double lo = 0, hi = 0;
  for (double v : x) lo = std::min(lo, v), hi = std::max(hi, v);
  // The scale is a float32 value: computed and rounded in float32, as ONNX's reference does.
  const float scale = static_cast<float>((hi - lo) / 255.0);
  const double zp = scale == 0 ? 0 : std::clamp(static_cast<double>(std::nearbyint(0 - static_cast<float>(lo) / scale)), 0.0, 255.0);
  for (double& v : x) v = scale == 0 ? zp : std::clamp(static_cast<double>(std::nearbyint(static_cast<float>(v) / scale)) + zp, 0.0, 255.0);
  store_f64(out[0], x);
  store_f64(out[1], {scale});
  store_f64(out[2], {zp});
}

// x - zero_point as float32 (exact for 8-bit data); a 1-D zero point applies
// along `axis` (rows of a matmul's A: axis -2; columns of B, output channels of W: the per-axis rule).
Tensor minus_zero_point(const Tensor& x, const Tensor* zp, int axis) {
  auto v = x.to_f64_vector();
  if (zp && zp->numel() > 0) {
    auto z = zp->to_f64_vector();
    int64_t inner = 1;
    const int a = axis < 0 ? axis + x.rank() : axis;
    for (int d = a + 1; d < x.rank(); ++d) inner *= x.shape()[d];
    for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i)
      v[i] -= z.size() == 1 ? z[0] : z[i / inner % x.shape()[a]];
  }
  Tensor r(DType::f64, x.shape());
  std::copy(v.begin(), v.end(), r.data<double>());
  return r.cast(DType::f32);
}

// Runs the reference `op` kernel on float operands into a float64 result.
Tensor run_float(OpType op, const Node& n, std::vector<const Tensor*> in, const Shape& out_shape) {
  Node tmp = n;
  tmp.op = op;
  for (const char* k : {"fused_activation", "fused_alpha", "fused_beta"}) tmp.attrs.erase(k);  // applied after dequantizing
  std::vector<Tensor> out{Tensor(DType::f64, out_shape)};
  kernel(op)(tmp, in, out);
  return out[0];
}

void store_requantized(const std::vector<double>& acc, const std::vector<double>& mult, int64_t inner, int64_t channels,
                       double zp, Tensor& out) {
  const bool is_signed = out.dtype() == DType::i8;
  std::vector<double> q(acc.size());
  for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i) {
    const double m = mult.size() == 1 ? mult[0] : mult[i / inner % channels];
    q[i] = std::clamp(std::nearbyint(acc[i] * m) + zp, is_signed ? -128.0 : 0.0, is_signed ? 127.0 : 255.0);
  }
  store_f64(out, q);
}

void matmul_integer_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  Tensor a = minus_zero_point(*in[0], in.size() > 2 ? in[2] : nullptr, -2);
  Tensor b = minus_zero_point(*in[1], in.size() > 3 ? in[3] : nullptr, -1);
  out[0] = run_float(OpType::MatMul, n, {&a, &b}, out[0].shape()).cast(DType::i32);
}

void qlinear_matmul_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  Tensor a = minus_zero_point(*in[0], in[2], -2);
  Tensor b = minus_zero_point(*in[3], in[5], -1);
  auto acc = run_float(OpType::MatMul, n, {&a, &b}, out[0].shape()).to_f64_vector();
  const double as = in[1]->to_f64_vector()[0], ys = in[6]->to_f64_vector()[0];
  auto bs = in[4]->to_f64_vector();
  std::vector<double> mult;
  for (double s : bs) mult.push_back(as * s / ys);
  store_requantized(acc, mult, 1, out[0].shape().back(), in[7]->to_f64_vector()[0], out[0]);
}

void conv_integer_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  Tensor x = minus_zero_point(*in[0], in.size() > 2 ? in[2] : nullptr, 1);
  Tensor w = minus_zero_point(*in[1], in.size() > 3 ? in[3] : nullptr, 0);
  out[0] = run_float(OpType::Conv, n, {&x, &w}, out[0].shape()).cast(DType::i32);
}

void qlinear_conv_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  Tensor x = minus_zero_point(*in[0], in[2], 1);
  Tensor w = minus_zero_point(*in[3], in[5], 0);
  auto acc = run_float(OpType::Conv, n, {&x, &w}, out[0].shape()).to_f64_vector();
  const Shape& os = out[0].shape();
  const int64_t channels = os[1], inner = shape_numel(os) / std::max<int64_t>(os[0] * channels, 1);
  if (in.size() > 8 && in[8]) {  // int32 bias, in the accumulator's scale
    auto bias = in[8]->to_f64_vector();
    for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i) acc[i] += bias[i / inner % channels];
  }
  const double xs = in[1]->to_f64_vector()[0];
  const auto ws = in[4]->to_f64_vector();
  const bool quantized_out = in.size() > 6 && in[6];
  const Activation act = Activation::from_fused_attrs(n.attrs);
  // segrt's forms (float output, a fused activation, float8): dequantize, activate, requantize if asked.
  if (!quantized_out || !act.none() || is_fp8(out[0].dtype())) {
    const double ys = quantized_out ? in[6]->to_f64_vector()[0] : 1.0;
    for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i) {
      double v = acc[i] * (xs * ws[ws.size() == 1 ? 0 : i / inner % channels]);
      if (!act.none()) v = act(static_cast<float>(v));
      acc[i] = v / ys;
    }
    // float output, or float8 (whose conversion rounds and saturates)
    if (!quantized_out || is_fp8(out[0].dtype())) return store_f64(out[0], acc);
    return store_requantized(acc, {1.0}, inner, channels, in[7]->to_f64_vector()[0], out[0]);
  }
  const double ys = in[6]->to_f64_vector()[0];  // ONNX's form: one multiplier per channel
  std::vector<double> mult;
  for (double s : ws) mult.push_back(xs * s / ys);
  store_requantized(acc, mult, inner, channels, in[7]->to_f64_vector()[0], out[0]);
}

}  // namespace

SEGRT_REF_KERNEL(MatMulInteger, matmul_integer_kernel);
SEGRT_REF_KERNEL(QLinearMatMul, qlinear_matmul_kernel);
SEGRT_REF_KERNEL(ConvInteger, conv_integer_kernel);
SEGRT_REF_KERNEL(QLinearConv, qlinear_conv_kernel);
SEGRT_REF_KERNEL(QuantizeLinear, quantize_kernel);
SEGRT_REF_KERNEL(DequantizeLinear, dequantize_kernel);
SEGRT_REF_KERNEL(DynamicQuantizeLinear, dynamic_quantize_kernel);

}  // namespace segrt::ref
