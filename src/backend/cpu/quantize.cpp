// 8-bit inference on oneDNN: QLinearConv as an int8 convolution (u8 or s8
// source, s8 weights; oneDNN uses VNNI / AMX where the CPU has them), and
// per-tensor QuantizeLinear / DequantizeLinear as scaling reorders, so an
// 8-bit tensor stays in oneDNN's formats between the convolutions.
//
// oneDNN 2.x int8 convolution: dst = post_ops(oscale[o] * (acc + bias)), acc
// the int32 sum of x * w, bias in the accumulator's scale (ONNX's int32 bias,
// passed as float). oscale[o] = xs * ws[o] dequantizes; the post-ops are the
// fused activation, then (8-bit output) a multiply by 1 / ys; the conversion
// to u8 / s8 rounds to nearest even and saturates, as QuantizeLinear does.
// Per-tensor zero points of x and y (ONNX Runtime's uint8 QDQ models: 128, or
// a calibrated asymmetric range) are oneDNN's src / dst zero points, given at
// run time as one int32 each: acc = sum((x - xzp) * w), with the padding
// taken as xzp (a real 0, as ONNX pads), and y = ... + yzp after the
// post-ops. Weight zero points other than 0 fall back to the reference kernel.
// QuantizeLinear / DequantizeLinear take their per-tensor zero point the same
// way (the reorder's dst / src zero point).
#include <cmath>

#include "backend/cpu/cpu.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

bool is_int8(DType t) { return t == DType::u8 || t == DType::i8; }

bool scalar_constant(const Graph& g, int v, double* out) {
  if (v < 0 || !g.value(v).is_constant() || g.value(v).constant.numel() != 1) return false;
  *out = g.value(v).constant.to_f64_vector()[0];
  return true;
}

// The per-tensor integer constant v (absent: 0); false when it is not one.
bool scalar_int(const Graph& g, int v, int32_t* out) {
  double d = 0;
  if (v >= 0 && !scalar_constant(g, v, &d)) return false;
  *out = static_cast<int32_t>(d);
  return true;
}

bool zero_constant(const Graph& g, int v) {
  if (v < 0) return true;
  if (!g.value(v).is_constant()) return false;
  for (double z : g.value(v).constant.to_f64_vector())
    if (z != 0) return false;
  return true;
}

dims_t dnnl_dims(const std::vector<int64_t>& v) { return dims_t(v.begin(), v.end()); }

// A run-time zero point (set_zero_points(arg, 0, {DNNL_RUNTIME_S32_VAL})) bound to step st.
void bind_zero_point(Compiler& c, Step& st, int arg, int32_t zp) {
  const md_t md({1}, dt::s32, tag::a);
  Tensor z(DType::i32, {1});
  z.data<int32_t>()[0] = zp;
  st.const_args[DNNL_ARG_ATTR_ZERO_POINTS | arg] = c.constant(z, md, md);
}

bool lower_qlinear_conv(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  const int x = n.inputs[0], y = n.outputs[0];
  const bool quantized_out = n.inputs.size() > 6 && n.inputs[6] >= 0;
  const int b = n.inputs.size() > 8 ? n.inputs[8] : -1;
  double xs = 0, ys = 1;
  if (g.value(x).shape.size() != 4) return *why = "2-D convolutions only", false;
  if (!g.value(n.inputs[3]).is_constant() || g.value(n.inputs[3]).dtype != DType::i8)
    return *why = "weights must be int8 constants", false;
  if (!scalar_constant(g, n.inputs[1], &xs) || (quantized_out && !scalar_constant(g, n.inputs[6], &ys)))
    return *why = "per-tensor constant x / y scales only", false;
  int32_t xzp = 0, yzp = 0;
  if (!scalar_int(g, n.inputs[2], &xzp) || (quantized_out && !scalar_int(g, n.inputs[7], &yzp)))
    return *why = "per-tensor constant zero points only", false;
  if (!zero_constant(g, n.inputs[5])) return *why = "weight zero points other than 0", false;
  if (!g.value(n.inputs[4]).is_constant() || (b >= 0 && !g.value(b).is_constant()))
    return *why = "scales / bias computed at run time", false;
  const bool nhwc = is_channels_last(n.attrs);
  const Shape& xshape = g.value(x).shape;
  const Tensor& w = g.value(n.inputs[3]).constant;
  ConvGeometry geo = conv_geometry(n.attrs, xshape, w.shape());
  const int64_t groups = n.attrs.i("group", 1), O = w.dim(0);
  dims_t pl = {geo.pads[0], geo.pads[1]}, pr(2), dil(2);
  for (int i = 0; i < 2; ++i) {
    pr[i] = (geo.out[i] - 1) * geo.strides[i] + geo.effective_kernel(i) - geo.in[i] - pl[i];
    dil[i] = geo.dilations[i] - 1;
    if (pl[i] < 0 || pr[i] < 0) return *why = "negative padding", false;
  }
  std::vector<float> oscale;
  for (double s : g.value(n.inputs[4]).constant.to_f64_vector()) oscale.push_back(static_cast<float>(xs * s));
  dnnl::primitive_attr attr;
  attr.set_output_scales(oscale.size() > 1 ? 1 << 1 : 0, oscale);
  dnnl::post_ops po;
  if (!append_fused_activation(n, po, why)) return false;
  if (quantized_out) po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, static_cast<float>(1.0 / ys), 0.f);
  attr.set_post_ops(po);
  if (xzp != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
  if (yzp != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {DNNL_RUNTIME_S32_VAL});

  dims_t wd = groups > 1 ? dims_t{groups, O / groups, w.dim(1), w.dim(2), w.dim(3)} : dnnl_dims(w.shape());
  md_t src_any(nchw_dims(xshape, nhwc), dnnl_type(g.value(x).dtype), tag::any), w_any(wd, dt::s8, tag::any);
  md_t dst_any(nchw_dims(g.value(y).shape, nhwc), quantized_out ? dnnl_type(g.value(y).dtype) : dt::f32, tag::any);
  md_t bias_md({O}, dt::f32, tag::a);
  auto d = conv_desc<dnnl::convolution_forward::desc>(dnnl::algorithm::convolution_direct, b >= 0, src_any, w_any,
                                                      bias_md, dst_any, dnnl_dims(geo.strides), dil, pl, pr);
  dnnl::convolution_forward::primitive_desc pd;
  try {
    pd = dnnl::convolution_forward::primitive_desc(d, attr, c.eng);
  } catch (const dnnl::error& e) {
    return *why = std::string("oneDNN has no int8 convolution for it: ") + e.what(), false;
  }
  const int src = c.as_spatial(x, nhwc, pd.src_desc());
  c.define(y, pd.dst_desc(), true, nhwc);
  Step st = primitive_step(n.name, dnnl::convolution_forward(pd), src, pd.src_desc(), y, pd.dst_desc());
  st.const_args[DNNL_ARG_WEIGHTS] = c.constant(w, md_t(wd, dt::s8, groups > 1 ? tag::goihw : tag::oihw), pd.weights_desc());
  if (b >= 0) {
    Tensor bias = g.value(b).constant.to_f32();  // int32 values: exact in float32 below 2^24
    st.const_args[DNNL_ARG_BIAS] = c.constant(bias, bias_md, pd.bias_desc());
  }
  if (xzp != 0) bind_zero_point(c, st, DNNL_ARG_SRC, xzp);
  if (yzp != 0) bind_zero_point(c, st, DNNL_ARG_DST, yzp);
  c.add(std::move(st));
  return true;
}

// The slot's format with another element type: the plain layouts and the
// channel-blocked ones oneDNN picks; a zero md for anything else.
md_t same_format(const md_t& md, dt to) {
  for (tag t : {tag::nchw, tag::nhwc, tag::nChw8c, tag::nChw16c})
    if (md.dims().size() == 4 && md == md_t(md.dims(), md.data_type(), t)) return md_t(md.dims(), to, t);
  return md_t();
}

// y = x * scale through a reorder between element types (QuantizeLinear: 1 / xs, DequantizeLinear: xs).
bool lower_scaling_reorder(Compiler& c, const Node& n, std::string* why, bool quantize) {
  const Graph& g = c.g;
  const int x = n.inputs[0], y = n.outputs[0];
  double s = 0;
  if (!scalar_constant(g, n.inputs[1], &s) || s == 0) return *why = "per-tensor constant scale only", false;
  int32_t zp = 0;
  if (!scalar_int(g, n.inputs.size() > 2 ? n.inputs[2] : -1, &zp)) return *why = "per-tensor constant zero point only", false;
  const DType q = quantize ? g.value(y).dtype : g.value(x).dtype;
  const DType f = quantize ? g.value(x).dtype : g.value(y).dtype;
  if (!is_int8(q) || f != DType::f32) return *why = "float32 <-> int8 / uint8 only", false;
  const bool x_spatial = c.slots[x].spatial, x_nhwc = c.slots[x].nhwc;  // copies: as_plain may grow c.slots
  md_t src = x_spatial ? c.slots[x].md : md_t();
  md_t dst = x_spatial ? same_format(src, dnnl_type(g.value(y).dtype)) : md_t();
  bool spatial = !dst.is_zero() && c.alias_of[x] < 0;
  if (!spatial) {
    src = c.plain_md(c.as_plain(x));
    dst = c.plain_md(y);
  }
  const int in = spatial ? x : c.as_plain(x);
  dnnl::primitive_attr attr;
  attr.set_output_scales(0, {static_cast<float>(quantize ? 1.0 / s : s)});
  // The zero point: dst = x / s + zp (quantize), dst = s * (q - zp) (dequantize).
  const int zp_arg = quantize ? DNNL_ARG_DST : DNNL_ARG_SRC;
  if (zp != 0) attr.set_zero_points(zp_arg, 0, {DNNL_RUNTIME_S32_VAL});
  c.define(y, dst, spatial, x_nhwc);
  Step st = reorder_step(c.eng, n.name, in, src, y, dst, attr);
  if (zp != 0) bind_zero_point(c, st, zp_arg, zp);
  c.add(std::move(st));
  return true;
}

bool lower_quantize(Compiler& c, const Node& n, std::string* why) { return lower_scaling_reorder(c, n, why, true); }
bool lower_dequantize(Compiler& c, const Node& n, std::string* why) { return lower_scaling_reorder(c, n, why, false); }

}  // namespace

SEGRT_CPU_LOWERING(QLinearConv, lower_qlinear_conv);
SEGRT_CPU_LOWERING(QuantizeLinear, lower_quantize);
SEGRT_CPU_LOWERING(DequantizeLinear, lower_dequantize);

}  // namespace segrt::cpu
