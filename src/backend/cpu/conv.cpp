// Conv and ConvTranspose on oneDNN: 2-D, any groups, strides, dilations and
// explicit pads; bias, the residual (sum post-op, added before the
// activation) and the fused activation (eltwise post-op) run inside the
// convolution. Source, weights and destination formats are `any`: oneDNN
// picks its blocked layouts, weights are reordered once here.
#include <algorithm>

#include "backend/cpu/cpu.h"
#include "ir/activation.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

bool post_ops(const Node& n, bool residual, dnnl::primitive_attr* attr, std::string* why) {
  dnnl::post_ops po;
  if (residual) po.append_sum(1.f);  // added before the activation, as the IR's fused residual
  if (!append_fused_activation(n, po, why)) return false;
  attr->set_post_ops(po);
  return true;
}

bool check_common(const Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  if (n.inputs.size() < 2 || !g.value(n.inputs[1]).is_constant()) return *why = "weights computed at run time", false;
  if (n.inputs.size() > 2 && n.inputs[2] >= 0 && !g.value(n.inputs[2]).is_constant())
    return *why = "bias computed at run time", false;
  if (g.value(n.inputs[0]).dtype != DType::f32 || g.value(n.inputs[1]).dtype != DType::f32)
    return *why = "float32 only", false;
  if (g.value(n.inputs[0]).shape.size() != 4) return *why = "2-D convolutions only", false;
  return true;
}

dims_t dnnl_dims(const std::vector<int64_t>& v) { return dims_t(v.begin(), v.end()); }

// bf16: a convolution producing a graph output writes float32, so the user's
// result is not rounded to 8 bits of mantissa a last time.
dt out_type(const Compiler& c, int y) {
  const auto& outs = c.g.outputs;
  return std::find(outs.begin(), outs.end(), y) != outs.end() ? dt::f32 : c.act_dt;
}

// Channel block of a 4-D NCHW-ordered descriptor: 1 plain, 8 / 16 blocked, 0 other.
int block_of(const md_t& md) {
  for (auto [t, b] : {std::pair{tag::nchw, 1}, {tag::nChw8c, 8}, {tag::nChw16c, 16}})
    if (md == md_t(md.dims(), dt::f32, t)) return b;
  return 0;
}

// A 1x1 convolution to a handful of channels (the class head of a
// segmentation net): oneDNN pads its output to 8 channels, so it moves 8x the
// bytes it needs and a reorder follows. An own loop reads the (blocked) input
// once and writes the plain output the user gets.
bool lower_small_pointwise(Compiler& c, const Node& n) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  int b = n.inputs.size() > 2 ? n.inputs[2] : -1;
  const Tensor& w = g.value(n.inputs[1]).constant;
  if (is_channels_last(n.attrs) || n.inputs.size() > 3 || n.attrs.i("group", 1) != 1) return false;
  if (w.dim(0) > 4 || w.dim(1) > 16 || w.dim(2) != 1 || w.dim(3) != 1) return false;
  ConvGeometry geo = conv_geometry(n.attrs, g.value(x).shape, w.shape());
  for (int i = 0; i < 2; ++i)
    if (geo.strides[i] != 1 || geo.pads[i] != 0 || geo.pads[i + 2] != 0) return false;
  if (c.alias_of[x] >= 0) return false;
  int blk = block_of(c.spatial_view(x, false));
  if (!blk) return false;
  const int64_t N = g.value(x).shape[0], C = w.dim(1), O = w.dim(0);
  const int64_t HW = g.value(x).shape[2] * g.value(x).shape[3];
  const int64_t Cp = (C + blk - 1) / blk * blk;  // channels with block padding
  std::vector<float> wt(w.data<float>(), w.data<float>() + O * C), bias(O, 0.f);
  if (b >= 0) bias = std::vector<float>(g.value(b).constant.data<float>(), g.value(b).constant.data<float>() + O);
  Activation act = Activation::from_fused_attrs(n.attrs);
  // The activation (the head's sigmoid) runs as a oneDNN eltwise over the
  // output when oneDNN computes it exactly: vectorised, where a scalar call
  // per pixel cost 5x the multiply-adds (6 ms at 512x512).
  dnnl::algorithm alg;
  float ea = 0.f, eb = 0.f;
  const bool eltwise = !act.none() && dnnl_eltwise(act.op, act.alpha, act.beta, &alg, &ea, &eb);
  const bool scalar_act = !act.none() && !eltwise;
  md_t ymd(nchw_dims(g.value(y).shape, false), dt::f32, tag::nchw);
  c.define(y, ymd, true, false);
  c.add(host_step(n.name, {x}, {y}, [=](const std::vector<void*>& ptr) {
    const float* src = static_cast<const float*>(ptr[x]);
    float* dst = static_cast<float*>(ptr[y]);
    constexpr int64_t chunk = 512;  // pixels per task: each output row of the chunk stays in L1
    for (int64_t nb = 0; nb < N; ++nb) {
      const float* xs = src + nb * Cp * HW;
      float* d = dst + nb * O * HW;
#pragma omp parallel for schedule(static)
      for (int64_t p0 = 0; p0 < HW; p0 += chunk) {
        const int64_t pe = std::min(HW, p0 + chunk);
        for (int64_t o = 0; o < O; ++o) {
          float* dr = d + o * HW;
          for (int64_t p = p0; p < pe; ++p) dr[p] = bias[o];
          for (int64_t i = 0; i < C; ++i) {
            const float wv = wt[o * C + i];
            const float* xr = xs + (i / blk) * HW * blk + i % blk;
            for (int64_t p = p0; p < pe; ++p) dr[p] += wv * xr[p * blk];
          }
          if (scalar_act)
            for (int64_t p = p0; p < pe; ++p) dr[p] = act(dr[p]);
        }
      }
    }
  }));
  if (eltwise) {
    dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, alg, ymd, ea, eb);
    dnnl::eltwise_forward prim(dnnl::eltwise_forward::primitive_desc(d, c.eng));
    c.add(primitive_step(n.name + " activation", prim, y, ymd, y, ymd));
  }
  return true;
}

bool lower_conv(Compiler& c, const Node& n, std::string* why) {
  if (!check_common(c, n, why)) return false;
  if (lower_small_pointwise(c, n)) return true;
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  int b = n.inputs.size() > 2 ? n.inputs[2] : -1, r = n.inputs.size() > 3 ? n.inputs[3] : -1;
  bool nhwc = is_channels_last(n.attrs);
  const Shape& xs = g.value(x).shape;
  const Tensor& w = g.value(n.inputs[1]).constant;
  ConvGeometry geo = conv_geometry(n.attrs, xs, w.shape());
  int64_t groups = n.attrs.i("group", 1), O = w.dim(0);
  dims_t pl = {geo.pads[0], geo.pads[1]}, pr(2), dil(2);
  for (int i = 0; i < 2; ++i) {
    pr[i] = (geo.out[i] - 1) * geo.strides[i] + geo.effective_kernel(i) - geo.in[i] - pl[i];  // floor-mode trims
    dil[i] = geo.dilations[i] - 1;
    if (pl[i] < 0 || pr[i] < 0) return *why = "negative padding", false;
  }
  dims_t wd = groups > 1 ? dims_t{groups, O / groups, w.dim(1), w.dim(2), w.dim(3)} : dnnl_dims(w.shape());
  md_t src_any(nchw_dims(xs, nhwc), c.act_dt, tag::any), w_any(wd, c.act_dt, tag::any);
  md_t dst_any(nchw_dims(g.value(y).shape, nhwc), out_type(c, y), tag::any), bias_md({O}, dt::f32, tag::a);
  dnnl::primitive_attr attr;
  if (!post_ops(n, r >= 0, &attr, why)) return false;
  auto make_pd = [&](const md_t& dst) {
    auto d = conv_desc<dnnl::convolution_forward::desc>(dnnl::algorithm::convolution_direct, b >= 0, src_any, w_any,
                                                        bias_md, dst, dnnl_dims(geo.strides), dil, pl, pr);
    return dnnl::convolution_forward::primitive_desc(d, attr, c.eng);
  };
  dnnl::convolution_forward::primitive_desc pd = make_pd(dst_any);
  // A Concat input: write straight into the Concat's buffer when the same kernel can.
  bool in_slice = false;
  md_t slice = c.slice_md(y, pd.dst_desc());
  if (!slice.is_zero()) {
    try {
      auto pd2 = make_pd(slice);
      if (pd2.dst_desc() == slice && pd2.src_desc() == pd.src_desc() &&
          std::string(pd2.impl_info_str()).rfind("jit", 0) == 0) {
        pd = pd2;
        in_slice = true;
      }
    } catch (const dnnl::error&) {
    }
  }
  int src = c.as_spatial(x, nhwc, pd.src_desc());
  if (in_slice) c.define_slice(y, pd.dst_desc());
  else c.define(y, pd.dst_desc(), true, nhwc);
  if (r >= 0) {  // the sum post-op adds to what dst holds: copy the residual there first
    md_t rv = c.spatial_view(r, nhwc);
    c.add(reorder_step(c.eng, n.name + " residual", r, rv, y, pd.dst_desc()));
  }
  Step st = primitive_step(n.name, dnnl::convolution_forward(pd), src, pd.src_desc(), y, pd.dst_desc());
  if (r >= 0) st.in.push_back(y);
  md_t w_user(wd, dt::f32, groups > 1 ? tag::goihw : tag::oihw);
  st.const_args[DNNL_ARG_WEIGHTS] = c.constant(w, w_user, pd.weights_desc());
  if (b >= 0) st.const_args[DNNL_ARG_BIAS] = c.constant(g.value(b).constant, bias_md, pd.bias_desc());
  c.add(std::move(st));
  return true;
}

// ConvTranspose weights are [C_in, C_out/group, k...] (ONNX IOHW): oneDNN's
// deconvolution weights in tag iohw / giohw over the same bytes.
bool lower_conv_transpose(Compiler& c, const Node& n, std::string* why) {
  if (!check_common(c, n, why)) return false;
  if (n.inputs.size() > 3) return *why = "residual input", false;
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  int b = n.inputs.size() > 2 ? n.inputs[2] : -1;
  bool nhwc = is_channels_last(n.attrs);
  const Shape& xs = g.value(x).shape;
  const Tensor& w = g.value(n.inputs[1]).constant;
  ConvGeometry geo = conv_transpose_geometry(n.attrs, xs, w.shape());
  int64_t groups = n.attrs.i("group", 1), O = w.dim(1) * groups;
  dims_t pl = {geo.pads[0], geo.pads[1]}, pr(2), dil(2);
  for (int i = 0; i < 2; ++i) {
    // out = (in - 1) * stride + eff_kernel - pl - pr  =>  pr absorbs output_padding
    pr[i] = (geo.in[i] - 1) * geo.strides[i] + geo.effective_kernel(i) - geo.out[i] - pl[i];
    dil[i] = geo.dilations[i] - 1;
    if (pl[i] < 0 || pr[i] < 0) return *why = "output_padding / negative padding", false;
  }
  dims_t wd = groups > 1 ? dims_t{groups, O / groups, w.dim(0) / groups, w.dim(2), w.dim(3)}
                         : dims_t{O, w.dim(0), w.dim(2), w.dim(3)};
  md_t src_any(nchw_dims(xs, nhwc), c.act_dt, tag::any), w_any(wd, c.act_dt, tag::any);
  md_t dst_any(nchw_dims(g.value(y).shape, nhwc), out_type(c, y), tag::any), bias_md({O}, dt::f32, tag::a);
  dnnl::primitive_attr attr;
  if (!post_ops(n, false, &attr, why)) return false;
  auto d = conv_desc<dnnl::deconvolution_forward::desc>(dnnl::algorithm::deconvolution_direct, b >= 0, src_any, w_any,
                                                        bias_md, dst_any, dnnl_dims(geo.strides), dil, pl, pr);
  dnnl::deconvolution_forward::primitive_desc pd(d, attr, c.eng);
  int src = c.as_spatial(x, nhwc, pd.src_desc());
  c.define(y, pd.dst_desc(), true, nhwc);
  Step st = primitive_step(n.name, dnnl::deconvolution_forward(pd), src, pd.src_desc(), y, pd.dst_desc());
  md_t w_user(wd, dt::f32, groups > 1 ? tag::giohw : tag::iohw);
  st.const_args[DNNL_ARG_WEIGHTS] = c.constant(w, w_user, pd.weights_desc());
  if (b >= 0) st.const_args[DNNL_ARG_BIAS] = c.constant(g.value(b).constant, bias_md, pd.bias_desc());
  c.add(std::move(st));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Conv, lower_conv);
SEGRT_CPU_LOWERING(ConvTranspose, lower_conv_transpose);

}  // namespace segrt::cpu
