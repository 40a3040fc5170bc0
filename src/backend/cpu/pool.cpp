// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool on oneDNN's pooling
// primitive, in the input's (blocked) format. ceil_mode becomes extra end
// padding, which max pooling ignores and average pooling excludes, as ONNX
// does; dilated or index-returning pools run on the reference kernel. The
// U-Net's 2x2 stride-2 max pool on blocked float32 is an own loop: oneDNN's
// AVX2 pooling moved ~5 GB/s there (4 ms for 16 MiB at 512x512, MLAS 0.9 ms).
#include <algorithm>
#include <type_traits>

#include "backend/cpu/cpu.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

using tag = dnnl::memory::format_tag;

// y[p, oh, ow, :] = max of the 2x2 window of x, one block of channels per
// pixel: kBlk floats of a blocked float32 layout (nChw8c / nChw16c), or
// (kBlk = 0) all `blk` channels of 8-bit NHWC data, an int8 convolution's
// output (sink_dequantize). oneDNN's int8 pooling took 1.1 ms for the
// membrane U-Net's first pool (64 channels at 512x512, 2 threads), this
// loop ~0.2 ms (bench/NOTES.md v11).
template <typename T, int kBlk>
void max_pool_2x2(const T* x, T* y, int64_t planes, int64_t IH, int64_t IW, int64_t OH, int64_t OW, int64_t blk_rt) {
  const int64_t blk = kBlk > 0 ? kBlk : blk_rt;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < OH; ++oh) {
      const T* r0 = x + (p * IH + 2 * oh) * IW * blk;
      const T* r1 = r0 + IW * blk;
      T* d = y + (p * OH + oh) * OW * blk;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const T *a = r0 + 2 * ow * blk, *b = r1 + 2 * ow * blk;
        for (int64_t k = 0; k < blk; ++k) d[ow * blk + k] = std::max(std::max(a[k], a[blk + k]), std::max(b[k], b[blk + k]));
      }
    }
}

bool lower_max_pool_2x2(Compiler& c, const Node& n) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Shape& xs = g.value(x).shape;
  const DType xt = g.value(x).dtype;
  if (n.op != OpType::MaxPool || n.outputs.size() > 1 || xs.size() != 4) return false;
  if (xt != DType::f32 && xt != DType::u8 && xt != DType::i8) return false;
  ConvGeometry geo = pool_geometry(n.attrs, xs);
  for (int i = 0; i < 2; ++i)
    if (geo.kernel[i] != 2 || geo.strides[i] != 2 || geo.dilations[i] != 1 || geo.pads[i] != 0 ||
        geo.out[i] != geo.in[i] / 2)
      return false;
  bool nhwc = is_channels_last(n.attrs);
  md_t src = c.spatial_view(x, nhwc);
  dims_t in_dims = src.dims();
  int64_t blk = 0;  // channels per pixel block
  tag t = tag::undef;
  if (xt == DType::f32) {
    for (auto [cand, b] : {std::pair{tag::nChw8c, 8}, {tag::nChw16c, 16}})
      if (src == md_t(in_dims, dnnl::memory::data_type::f32, cand)) {
        blk = b;
        t = cand;
      }
  } else if (src == md_t(in_dims, src.data_type(), tag::nhwc)) {  // 8-bit: NHWC only
    blk = in_dims[1];
    t = tag::nhwc;
  }
  if (!blk) return false;
  const int64_t planes = in_dims[0] * ((in_dims[1] + blk - 1) / blk), IH = in_dims[2], IW = in_dims[3];
  const int64_t OH = geo.out[0], OW = geo.out[1];
  c.define(y, md_t({in_dims[0], in_dims[1], OH, OW}, src.data_type(), t), true, nhwc);
  c.add(host_step(n.name, {x}, {y}, [=](const std::vector<void*>& ptr) {
    auto run = [&](auto zero, auto kblk) {
      using T = decltype(zero);
      max_pool_2x2<T, decltype(kblk)::value>(static_cast<const T*>(ptr[x]), static_cast<T*>(ptr[y]), planes, IH, IW,
                                             OH, OW, blk);
    };
    if (xt == DType::u8) run(uint8_t{}, std::integral_constant<int, 0>{});
    else if (xt == DType::i8) run(int8_t{}, std::integral_constant<int, 0>{});
    else if (blk == 8) run(float{}, std::integral_constant<int, 8>{});
    else run(float{}, std::integral_constant<int, 16>{});
  }));
  return true;
}

bool lower_pool(Compiler& c, const Node& n, std::string* why) {
  if (lower_max_pool_2x2(c, n)) return true;
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Shape& xs = g.value(x).shape;
  if (n.outputs.size() > 1) return *why = "MaxPool indices output", false;
  const DType xt = g.value(x).dtype;
  const bool int8 = (xt == DType::u8 || xt == DType::i8) && n.op == OpType::MaxPool;  // sink_dequantize's pools
  if (xs.size() != 4 || (xt != DType::f32 && !int8)) return *why = "4-D float32 (or 8-bit MaxPool) only", false;
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
  c.add(primitive_step(n.name, dnnl::pooling_forward(pd), x, src, y, pd.dst_desc()));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(MaxPool, lower_pool);
SEGRT_CPU_LOWERING(AveragePool, lower_pool);
SEGRT_CPU_LOWERING(GlobalAveragePool, lower_pool);
SEGRT_CPU_LOWERING(GlobalMaxPool, lower_pool);

}  // namespace segrt::cpu
