// Conv and ConvTranspose of the ranks conv.cpp leaves out: 1-D and 3-D
// windows (oneDNN convolves ncw / ncdhw tensors the same way), and a
// ConvTranspose of any rank with a residual input (the sum post-op, added
// before the activation, as for Conv) or an output larger than the kernel
// reaches (output_padding past the end pads: extend_output). Formats are
// `any`: oneDNN picks its blocked layouts (nCw16c, nCdhw16c...), weights are
// reordered once.
#include <array>
#include <cstring>

#include "backend/cpu/channel_view.h"
#include "ir/activation.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// The user's weights tag over oneDNN's [g,] O, I, k... dims: ONNX Conv bytes
// are [O, I, k...] (plain), ConvTranspose bytes [I, O, k...] (O and I swapped).
tag weights_tag(size_t spatial, bool transposed, bool grouped) {
  static const tag plain[2][3] = {{tag::abc, tag::abcd, tag::abcde}, {tag::abcd, tag::abcde, tag::abcdef}};
  static const tag swapped[2][3] = {{tag::bac, tag::bacd, tag::bacde}, {tag::acbd, tag::acbde, tag::acbdef}};
  return (transposed ? swapped : plain)[grouped][spatial - 1];
}

// ConvTranspose whose output_padding (or output_shape) reaches past the end
// pads: no input pixel reaches the last rows / columns, so they hold the
// activation of the bias alone. Copies the reached part (temporary t, in
// format ft) into y in the same format and fills the rest per channel.
void extend_output(Compiler& c, const Node& n, int t, const md_t& reach_md, tag ft, int bias) {
  const Graph& g = c.g;
  const int y = n.outputs[0];
  const bool nhwc = is_channels_last(n.attrs);
  const dims_t yd = nchw_dims(g.value(y).shape, nhwc), rd_all = reach_md.dims();
  const md_t y_md(yd, dt::f32, ft);
  c.define(y, y_md, true, nhwc);
  ChannelView v;
  view_of(y_md, &v);
  // Spatial sizes as D, H, W (leading 1s for 1-D and 2-D).
  const size_t sp = yd.size() - 2;
  std::array<int64_t, 3> od{1, 1, 1}, rd{1, 1, 1};
  for (size_t i = 0; i < sp; ++i) {
    od[3 - sp + i] = yd[2 + i];
    rd[3 - sp + i] = rd_all[2 + i];
  }
  std::vector<float> fill(static_cast<size_t>(v.nblk * v.blk), 0.f);  // padding lanes stay zero
  Activation act = Activation::from_fused_attrs(n.attrs);
  for (int64_t ch = 0; ch < v.C; ++ch) fill[ch] = act(bias >= 0 ? g.value(bias).constant.data<float>()[ch] : 0.f);
  c.add(host_step(n.name + " extend", {t}, {y}, [=](const std::vector<void*>& ptr) {
    const float* src = static_cast<const float*>(ptr[t]);
    float* dst = static_cast<float*>(ptr[y]);
    const int64_t blk = v.blk;
#pragma omp parallel for collapse(3) schedule(static)
    for (int64_t pl = 0; pl < v.N * v.nblk; ++pl)
      for (int64_t d = 0; d < od[0]; ++d)
        for (int64_t h = 0; h < od[1]; ++h) {
          float* drow = dst + ((pl * od[0] + d) * od[1] + h) * od[2] * blk;
          const float* f = fill.data() + (pl % v.nblk) * blk;
          int64_t w = 0;
          if (d < rd[0] && h < rd[1]) {
            std::memcpy(drow, src + ((pl * rd[0] + d) * rd[1] + h) * rd[2] * blk, rd[2] * blk * sizeof(float));
            w = rd[2];
          }
          for (; w < od[2]; ++w) std::memcpy(drow + w * blk, f, blk * sizeof(float));
        }
  }));
}

bool lower_conv_nd(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  const bool transposed = n.op == OpType::ConvTranspose;
  int x = n.inputs[0], y = n.outputs[0];
  int b = n.inputs.size() > 2 ? n.inputs[2] : -1, r = n.inputs.size() > 3 ? n.inputs[3] : -1;
  const Shape& xs = g.value(x).shape;
  if (xs.size() < 3 || xs.size() > 5) return *why = "rank", false;
  if (n.inputs.size() < 2 || !g.value(n.inputs[1]).is_constant()) return *why = "weights computed at run time", false;
  if (b >= 0 && !g.value(b).is_constant()) return *why = "bias computed at run time", false;
  if (g.value(x).dtype != DType::f32 || g.value(n.inputs[1]).dtype != DType::f32) return *why = "float32 only", false;
  const bool nhwc = is_channels_last(n.attrs);
  const Tensor& w = g.value(n.inputs[1]).constant;
  const size_t sp = xs.size() - 2;
  ConvGeometry geo = transposed ? conv_transpose_geometry(n.attrs, xs, w.shape()) : conv_geometry(n.attrs, xs, w.shape());
  const int64_t groups = n.attrs.i("group", 1);
  const int64_t O = transposed ? w.dim(1) * groups : w.dim(0);
  dims_t strides(geo.strides.begin(), geo.strides.end()), pl(sp), pr(sp), dil(sp), extend(sp, 0);
  bool extends = false;
  for (size_t i = 0; i < sp; ++i) {
    pl[i] = geo.pads[i];
    // Conv: floor mode trims the end; ConvTranspose: the end pad absorbs output_padding.
    pr[i] = transposed ? (geo.in[i] - 1) * geo.strides[i] + geo.effective_kernel(i) - geo.out[i] - pl[i]
                       : (geo.out[i] - 1) * geo.strides[i] + geo.effective_kernel(i) - geo.in[i] - pl[i];
    dil[i] = geo.dilations[i] - 1;
    if (transposed && pr[i] < 0) {  // an output larger than the kernel reaches: extended below
      extend[i] = -pr[i];
      pr[i] = 0;
      extends = true;
    }
    if (pl[i] < 0 || pr[i] < 0) return *why = "negative padding", false;
  }
  // conv.cpp owns 2-D, except a ConvTranspose with a residual or an extended output.
  if (xs.size() == 4 && !(transposed && (r >= 0 || extends))) return *why = "2-D (conv.cpp)", false;
  if (extends && r >= 0) return *why = "residual with output_padding past the pads", false;
  // Weights as oneDNN's [g,] O, I, k... over the user's bytes.
  dims_t wd;
  if (groups > 1) wd = {groups, O / groups, (transposed ? w.dim(0) : w.dim(1) * groups) / groups};
  else wd = {O, transposed ? w.dim(0) : w.dim(1)};
  for (size_t i = 0; i < sp; ++i) wd.push_back(w.dim(2 + static_cast<int>(i)));
  md_t src_any(nchw_dims(xs, nhwc), dt::f32, tag::any), w_any(wd, dt::f32, tag::any);
  dims_t yd = nchw_dims(g.value(y).shape, nhwc);
  for (size_t i = 0; i < sp; ++i) yd[2 + i] -= extend[i];  // the part the kernel reaches
  md_t dst_any(yd, dt::f32, tag::any), bias_md({O}, dt::f32, tag::a);
  dnnl::primitive_attr attr;
  dnnl::post_ops po;
  if (r >= 0) po.append_sum(1.f);  // the residual, added before the activation
  if (!append_fused_activation(n, po, why)) return false;
  attr.set_post_ops(po);
  dnnl::primitive prim;
  md_t src_md, dst_md, w_md, b_md;
  if (transposed) {
    auto d = conv_desc<dnnl::deconvolution_forward::desc>(dnnl::algorithm::deconvolution_direct, b >= 0, src_any,
                                                          w_any, bias_md, dst_any, strides, dil, pl, pr);
    dnnl::deconvolution_forward::primitive_desc pd(d, attr, c.eng);
    prim = dnnl::deconvolution_forward(pd);
    src_md = pd.src_desc(), dst_md = pd.dst_desc(), w_md = pd.weights_desc(), b_md = pd.bias_desc();
  } else {
    auto d = conv_desc<dnnl::convolution_forward::desc>(dnnl::algorithm::convolution_direct, b >= 0, src_any, w_any,
                                                        bias_md, dst_any, strides, dil, pl, pr);
    dnnl::convolution_forward::primitive_desc pd(d, attr, c.eng);
    prim = dnnl::convolution_forward(pd);
    src_md = pd.src_desc(), dst_md = pd.dst_desc(), w_md = pd.weights_desc(), b_md = pd.bias_desc();
  }
  int src = c.as_spatial(x, nhwc, src_md);
  int out = y;  // extended: the convolution writes a temporary, extend_output() the rest
  ChannelView reach;
  tag reach_tag = tag::undef;
  if (extends) {
    if (!view_of(dst_md, &reach, &reach_tag)) return *why = "output_padding past the pads in an unknown format", false;
    out = c.new_slot(dst_md, true, nhwc);
  } else {
    c.define(y, dst_md, true, nhwc);
  }
  if (r >= 0) {  // the sum post-op adds to what dst holds: copy the residual there first
    md_t rv = c.spatial_view(r, nhwc);
    c.add(reorder_step(c.eng, n.name + " residual", r, rv, y, dst_md));
  }
  Step st = primitive_step(n.name, prim, src, src_md, out, dst_md);
  if (r >= 0) st.in.push_back(y);
  st.const_args[DNNL_ARG_WEIGHTS] = c.constant(w, md_t(wd, dt::f32, weights_tag(sp, transposed, groups > 1)), w_md);
  if (b >= 0) st.const_args[DNNL_ARG_BIAS] = c.constant(g.value(b).constant, bias_md, b_md);
  c.add(std::move(st));
  if (extends) extend_output(c, n, out, dst_md, reach_tag, b);
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Conv, lower_conv_nd);
SEGRT_CPU_LOWERING(ConvTranspose, lower_conv_nd);

}  // namespace segrt::cpu
