// Conv and ConvTranspose of the ranks conv.cpp leaves out: 1-D and 3-D
// windows (oneDNN convolves ncw / ncdhw tensors the same way), and a
// ConvTranspose of any rank with a residual input (the sum post-op, added
// before the activation, as for Conv). Formats are `any`: oneDNN picks its
// blocked layouts (nCw16c, nCdhw16c...), weights are reordered once.
#include "backend/cpu/cpu.h"
#include "ir/activation.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

bool make_attr(const Node& n, bool residual, dnnl::primitive_attr* attr, std::string* why) {
  dnnl::post_ops po;
  if (residual) po.append_sum(1.f);
  Activation a = Activation::from_fused_attrs(n.attrs);
  if (!a.none()) {
    dnnl::algorithm alg;
    float al, be;
    if (!dnnl_eltwise(a.op, a.alpha, a.beta, &alg, &al, &be))
      return *why = std::string("fused ") + op_name(a.op) + " has no exact oneDNN post-op", false;
    po.append_eltwise(1.f, alg, al, be);
  }
  attr->set_post_ops(po);
  return true;
}

// The user's weights tag over oneDNN's [g,] O, I, k... dims: ONNX Conv bytes
// are [O, I, k...] (plain), ConvTranspose bytes [I, O, k...] (O and I swapped).
tag weights_tag(size_t spatial, bool transposed, bool grouped) {
  static const tag plain[2][3] = {{tag::abc, tag::abcd, tag::abcde}, {tag::abcd, tag::abcde, tag::abcdef}};
  static const tag swapped[2][3] = {{tag::bac, tag::bacd, tag::bacde}, {tag::acbd, tag::acbde, tag::acbdef}};
  return (transposed ? swapped : plain)[grouped][spatial - 1];
}

bool lower_conv_nd(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  const bool transposed = n.op == OpType::ConvTranspose;
  int x = n.inputs[0], y = n.outputs[0];
  int b = n.inputs.size() > 2 ? n.inputs[2] : -1, r = n.inputs.size() > 3 ? n.inputs[3] : -1;
  const Shape& xs = g.value(x).shape;
  // conv.cpp owns 2-D, except a ConvTranspose with a residual.
  if (xs.size() == 4 && !(transposed && r >= 0)) return *why = "2-D (conv.cpp)", false;
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
  dims_t strides(geo.strides.begin(), geo.strides.end()), pl(sp), pr(sp), dil(sp);
  for (size_t i = 0; i < sp; ++i) {
    pl[i] = geo.pads[i];
    // Conv: floor mode trims the end; ConvTranspose: the end pad absorbs output_padding.
    pr[i] = transposed ? (geo.in[i] - 1) * geo.strides[i] + geo.effective_kernel(i) - geo.out[i] - pl[i]
                       : (geo.out[i] - 1) * geo.strides[i] + geo.effective_kernel(i) - geo.in[i] - pl[i];
    dil[i] = geo.dilations[i] - 1;
    if (pl[i] < 0 || pr[i] < 0) return *why = "output_padding past the pads / negative padding", false;
  }
  // Weights as oneDNN's [g,] O, I, k... over the user's bytes.
  dims_t wd;
  if (groups > 1) wd = {groups, O / groups, (transposed ? w.dim(0) : w.dim(1) * groups) / groups};
  else wd = {O, transposed ? w.dim(0) : w.dim(1)};
  for (size_t i = 0; i < sp; ++i) wd.push_back(w.dim(2 + static_cast<int>(i)));
  md_t src_any(nchw_dims(xs, nhwc), dt::f32, tag::any), w_any(wd, dt::f32, tag::any);
  md_t dst_any(nchw_dims(g.value(y).shape, nhwc), dt::f32, tag::any), bias_md({O}, dt::f32, tag::a);
  dnnl::primitive_attr attr;
  if (!make_attr(n, r >= 0, &attr, why)) return false;
  dnnl::primitive prim;
  md_t src_md, dst_md, w_md, b_md;
  const auto fwd = dnnl::prop_kind::forward_inference;
  if (transposed) {
    auto d = b >= 0 ? dnnl::deconvolution_forward::desc(fwd, dnnl::algorithm::deconvolution_direct, src_any, w_any,
                                                       bias_md, dst_any, strides, dil, pl, pr)
                    : dnnl::deconvolution_forward::desc(fwd, dnnl::algorithm::deconvolution_direct, src_any, w_any,
                                                       dst_any, strides, dil, pl, pr);
    dnnl::deconvolution_forward::primitive_desc pd(d, attr, c.eng);
    prim = dnnl::deconvolution_forward(pd);
    src_md = pd.src_desc(), dst_md = pd.dst_desc(), w_md = pd.weights_desc(), b_md = pd.bias_desc();
  } else {
    auto d = b >= 0 ? dnnl::convolution_forward::desc(fwd, dnnl::algorithm::convolution_direct, src_any, w_any, bias_md,
                                                     dst_any, strides, dil, pl, pr)
                    : dnnl::convolution_forward::desc(fwd, dnnl::algorithm::convolution_direct, src_any, w_any, dst_any,
                                                     strides, dil, pl, pr);
    dnnl::convolution_forward::primitive_desc pd(d, attr, c.eng);
    prim = dnnl::convolution_forward(pd);
    src_md = pd.src_desc(), dst_md = pd.dst_desc(), w_md = pd.weights_desc(), b_md = pd.bias_desc();
  }
  int src = c.as_spatial(x, nhwc, src_md);
  c.define(y, dst_md, true, nhwc);
  if (r >= 0) {  // the sum post-op adds to what dst holds: copy the residual there first
    md_t rv = c.spatial_view(r, nhwc);
    Step cp;
    cp.name = n.name + " residual";
    cp.in = {r};
    cp.out = {y};
    cp.prim = dnnl::reorder(dnnl::reorder::primitive_desc(c.eng, rv, c.eng, dst_md));
    cp.args = {{DNNL_ARG_SRC, r, rv}, {DNNL_ARG_DST, y, dst_md}};
    c.add(std::move(cp));
  }
  Step st;
  st.name = n.name;
  st.in = {src};
  if (r >= 0) st.in.push_back(y);
  st.out = {y};
  st.prim = prim;
  st.args = {{DNNL_ARG_SRC, src, src_md}, {DNNL_ARG_DST, y, dst_md}};
  st.const_args[DNNL_ARG_WEIGHTS] = c.constant(w, md_t(wd, dt::f32, weights_tag(sp, transposed, groups > 1)), w_md);
  if (b >= 0) st.const_args[DNNL_ARG_BIAS] = c.constant(g.value(b).constant, bias_md, b_md);
  c.add(std::move(st));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Conv, lower_conv_nd);
SEGRT_CPU_LOWERING(ConvTranspose, lower_conv_nd);

}  // namespace segrt::cpu
