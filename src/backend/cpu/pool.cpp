// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool on oneDNN's pooling
// primitive, in the input's (blocked) format. ceil_mode becomes extra end
// padding, which max pooling ignores and average pooling excludes, as ONNX
// does; dilated or index-returning pools run on the reference kernel.
#include "backend/cpu/cpu.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

bool lower_pool(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Shape& xs = g.value(x).shape;
  if (n.outputs.size() > 1) return *why = "MaxPool indices output", false;
  if (xs.size() != 4 || g.value(x).dtype != DType::f32) return *why = "4-D float32 only", false;
  bool nhwc = is_channels_last(n.attrs);
  bool global = n.op == OpType::GlobalAveragePool || n.op == OpType::GlobalMaxPool;
  dims_t kernel, strides, pl, pr;
  std::vector<int64_t> in = spatial_sizes(n.attrs, xs);
  std::vector<int64_t> out = spatial_sizes(n.attrs, g.value(y).shape);
  if (global) {
    kernel = dims_t(in.begin(), in.end());
    strides = {1, 1};
    pl = pr = {0, 0};
  } else {
    ConvGeometry geo = pool_geometry(n.attrs, xs);
    for (int i = 0; i < 2; ++i) {
      if (geo.dilations[i] != 1) return *why = "dilated pooling", false;
      kernel.push_back(geo.kernel[i]);
      strides.push_back(geo.strides[i]);
      pl.push_back(geo.pads[i]);
      int64_t r = (out[i] - 1) * geo.strides[i] + geo.kernel[i] - in[i] - geo.pads[i];
      if (r < 0) r = 0;  // floor mode: the last pixels are simply not reached
      bool include_pad = n.op == OpType::AveragePool && n.attrs.i("count_include_pad", 0);
      if (include_pad && r != geo.pads[i + 2]) return *why = "count_include_pad with ceil_mode", false;
      pr.push_back(r);
    }
  }
  dnnl::algorithm alg = dnnl::algorithm::pooling_max;
  if (n.op == OpType::AveragePool || n.op == OpType::GlobalAveragePool)
    alg = n.attrs.i("count_include_pad", 0) ? dnnl::algorithm::pooling_avg_include_padding
                                            : dnnl::algorithm::pooling_avg_exclude_padding;
  md_t src = c.spatial_view(x, nhwc);
  md_t dst_any(nchw_dims(g.value(y).shape, nhwc), src.data_type(), dnnl::memory::format_tag::any);
  dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, alg, src, dst_any, strides, kernel, pl, pr);
  dnnl::pooling_forward::primitive_desc pd(d, c.eng);
  c.define(y, pd.dst_desc(), true, nhwc);
  Step st;
  st.name = n.name;
  st.in = {x};
  st.out = {y};
  st.prim = dnnl::pooling_forward(pd);
  st.args = {{DNNL_ARG_SRC, x, src}, {DNNL_ARG_DST, y, pd.dst_desc()}};
  c.add(std::move(st));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(MaxPool, lower_pool);
SEGRT_CPU_LOWERING(AveragePool, lower_pool);
SEGRT_CPU_LOWERING(GlobalAveragePool, lower_pool);
SEGRT_CPU_LOWERING(GlobalMaxPool, lower_pool);

}  // namespace segrt::cpu
