// Pooling that pool.cpp leaves out: 1-D and 3-D windows, and dilated
// windows of any rank, on oneDNN's pooling_v2 primitive (which takes
// dilations) in the input's format. ceil_mode becomes extra end padding,
// which max pooling ignores and average pooling excludes, as in pool.cpp.
#include "backend/cpu/cpu.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

bool lower_pool_nd(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Shape& xs = g.value(x).shape;
  if (n.outputs.size() > 1) return *why = "MaxPool indices output", false;
  if (xs.size() < 3 || xs.size() > 5 || g.value(x).dtype != DType::f32) return *why = "float32 rank 3-5 only", false;
  const bool global = n.op == OpType::GlobalAveragePool || n.op == OpType::GlobalMaxPool;
  const size_t sp = xs.size() - 2;
  const bool nhwc = is_channels_last(n.attrs);
  std::vector<int64_t> in = spatial_sizes(n.attrs, xs), out = spatial_sizes(n.attrs, g.value(y).shape);
  dims_t kernel(sp), strides(sp, 1), dil(sp, 0), pl(sp, 0), pr(sp, 0);
  bool dilated = false;
  if (global) {
    kernel.assign(in.begin(), in.end());
  } else {
    ConvGeometry geo = pool_geometry(n.attrs, xs);
    const bool include_pad = n.op == OpType::AveragePool && n.attrs.i("count_include_pad", 0);
    for (size_t i = 0; i < sp; ++i) {
      kernel[i] = geo.kernel[i];
      strides[i] = geo.strides[i];
      dil[i] = geo.dilations[i] - 1;
      dilated |= geo.dilations[i] != 1;
      pl[i] = geo.pads[i];
      pr[i] = std::max<int64_t>(0, (out[i] - 1) * geo.strides[i] + geo.effective_kernel(static_cast<int>(i)) - in[i] - pl[i]);
      if (include_pad && pr[i] != geo.pads[i + sp]) return *why = "count_include_pad with ceil_mode", false;
    }
  }
  if (xs.size() == 4 && !dilated) return *why = "2-D undilated (pool.cpp)", false;
  dnnl::algorithm alg = dnnl::algorithm::pooling_max;
  if (n.op == OpType::AveragePool || n.op == OpType::GlobalAveragePool)
    alg = n.attrs.i("count_include_pad", 0) ? dnnl::algorithm::pooling_avg_include_padding
                                            : dnnl::algorithm::pooling_avg_exclude_padding;
  md_t src = c.spatial_view(x, nhwc);
  md_t dst_any(nchw_dims(g.value(y).shape, nhwc), dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
  dnnl::pooling_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg, src, dst_any, strides, kernel, dil, pl, pr);
  dnnl::pooling_v2_forward::primitive_desc pd(d, c.eng);
  c.define(y, pd.dst_desc(), true, nhwc);
  c.add(primitive_step(n.name, dnnl::pooling_v2_forward(pd), x, src, y, pd.dst_desc()));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(MaxPool, lower_pool_nd);
SEGRT_CPU_LOWERING(AveragePool, lower_pool_nd);
SEGRT_CPU_LOWERING(GlobalAveragePool, lower_pool_nd);
SEGRT_CPU_LOWERING(GlobalMaxPool, lower_pool_nd);

}  // namespace segrt::cpu
