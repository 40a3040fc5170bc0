// DepthToSpace on 4-D float32 activations in the input's format: with DCR
// and a channel block dividing the output channels, every output block of
// 8 / 16 channels at one pixel is one input block at one pixel, so the
// blocked layouts (nChw8c / nChw16c) stay blocked and each copy is a vector
// move (float32 or bf16). It writes straight into a Concat's slice when it feeds an in-place
// Concat (the phase-split U-Net up-convolution, passes/split_upsample_conv.cpp,
// ends in DepthToSpace into the skip concatenation). The DepthToSpace
// lowering (data_movement.cpp) tries this first; other layouts and CRD are
// its strided copies on plain data.
#include <cstring>

#include "backend/cpu/cpu.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

struct Geometry {
  int64_t N, C, H, W, bs;  // C output channels; H, W input size
};

// Blocked DCR: output block cb of row oh = input block ((oh % bs) * bs + ow % bs) * C/blk + cb.
// A block is `bytes` bytes (8 or 16 channels of float32 or bf16): one fixed-size move.
template <size_t bytes>
void shuffle_blocked(const Geometry& g, int64_t blk, const char* src, char* dst) {
  const int64_t Cb = g.C / blk, OH = g.H * g.bs, OW = g.W * g.bs, bs = g.bs;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t p = 0; p < g.N * Cb; ++p)
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t n = p / Cb, cb = p % Cb, i = oh % bs, ih = oh / bs;
      char* drow = dst + (p * OH + oh) * OW * bytes;
      for (int64_t j = 0; j < bs; ++j) {
        const char* srow = src + (((n * bs * bs + i * bs + j) * Cb + cb) * g.H + ih) * g.W * bytes;
        for (int64_t w = 0; w < g.W; ++w) std::memcpy(drow + (w * bs + j) * bytes, srow + w * bytes, bytes);
      }
    }
}

}  // namespace

bool lower_blocked_depth_to_space(Compiler& c, const Node& n) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Value& xv = g.value(x);
  if (xv.shape.size() != 4 || xv.dtype != DType::f32 || n.attrs.s("mode", "DCR") != "DCR") return false;
  const bool nhwc = is_channels_last(n.attrs);
  const int64_t bs = n.attrs.i("blocksize", 1);
  dims_t in_dims = nchw_dims(xv.shape, nhwc);
  if (bs < 1 || in_dims[1] % (bs * bs)) return false;
  Geometry geo{in_dims[0], in_dims[1] / (bs * bs), in_dims[2], in_dims[3], bs};
  dims_t out_dims = {geo.N, geo.C, geo.H * bs, geo.W * bs};
  md_t src = c.spatial_view(x, nhwc);
  // Only copies: float32, or bf16 between bf16 convolutions (blocked path).
  const dt et = src.data_type() == dt::bf16 ? dt::bf16 : dt::f32;
  int64_t blk = 0;
  tag t = tag::undef;
  for (auto [cand, b] : {std::pair{tag::nChw8c, int64_t{8}}, {tag::nChw16c, int64_t{16}}})
    if (geo.C % b == 0 && src == md_t(in_dims, et, cand)) {
      blk = b;
      t = cand;
    }
  if (!blk) return false;
  md_t dst(out_dims, et, t);
  const size_t bytes = static_cast<size_t>(blk) * dnnl_type_size(et);
  md_t slice = c.slice_md(y, dst);
  if (!slice.is_zero()) c.define_slice(y, slice);
  else c.define(y, dst, true, nhwc);
  c.add(host_step(n.name, {x}, {y}, [=](const std::vector<void*>& ptr) {
    const char* s = static_cast<const char*>(ptr[x]);
    char* d = static_cast<char*>(ptr[y]);
    switch (bytes) {
      case 16: shuffle_blocked<16>(geo, blk, s, d); break;   // 8 x bf16
      case 32: shuffle_blocked<32>(geo, blk, s, d); break;   // 8 x f32, 16 x bf16
      case 64: shuffle_blocked<64>(geo, blk, s, d); break;   // 16 x f32
    }
  }));
  return true;
}

}  // namespace segrt::cpu
