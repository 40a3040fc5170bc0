// Resize, nearest mode, on 4-D activations: an own kernel that works in the
// input's format (plain NCHW / NHWC or oneDNN's channel-blocked nChw8c /
// nChw16c), so a U-Net decoder never leaves the blocked layout. Source rows
// and columns are computed once with the shared ONNX formulas
// (ir/ops/resize_util.h), so every coordinate mode and rounding rule is exact;
// each output pixel then copies one block of channels. oneDNN's resampling
// computes nearest with its own rule, so it is not used.
#include <cstring>

#include "backend/cpu/cpu.h"
#include "ir/ops/resize_util.h"

namespace segrt::cpu {

namespace {

using tag = dnnl::memory::format_tag;

// Source index of each output index along one axis, clamped to the input.
std::vector<int64_t> nearest_table(const ResizeParams& p, int axis, int64_t in) {
  std::vector<int64_t> t(static_cast<size_t>(p.out[axis]));
  for (int64_t o = 0; o < p.out[axis]; ++o) {
    double x = resize_source_coord(p.coord_mode, static_cast<double>(o), p.scales[axis], in, p.roi_start[axis],
                                   p.roi_end[axis]);
    t[o] = std::clamp<int64_t>(resize_nearest_index(p.nearest_mode, x), 0, in - 1);
  }
  return t;
}

bool lower_resize(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Value& xv = g.value(x);
  const bool int8 = xv.dtype == DType::u8 || xv.dtype == DType::i8;  // between int8 convolutions (sink_dequantize)
  if (xv.shape.size() != 4 || (xv.dtype != DType::f32 && !int8)) return *why = "4-D float32 or 8-bit only", false;
  ResizeParams p;
  if (!constant_resize_params(g, n, &p)) return *why = "scales or sizes computed at run time", false;
  if (p.mode != "nearest") return *why = p.mode + " mode", false;
  if (p.coord_mode == "tf_crop_and_resize") return *why = "tf_crop_and_resize", false;
  bool nhwc = xv.layout == Layout::NHWC;
  int ch = nhwc ? 3 : 1, h = nhwc ? 1 : 2, w = nhwc ? 2 : 3;
  if (p.out[0] != xv.shape[0] || p.out[ch] != xv.shape[ch]) return *why = "resizes batch or channels", false;
  auto rows = nearest_table(p, h, xv.shape[h]), cols = nearest_table(p, w, xv.shape[w]);

  // The input's format: channel block size (1 = plain NCHW, 0 = NHWC).
  const int64_t N = xv.shape[0], C = xv.shape[ch], IH = xv.shape[h], IW = xv.shape[w];
  const int64_t OH = p.out[h], OW = p.out[w];
  dims_t in_dims = {N, C, IH, IW}, out_dims = {N, C, OH, OW};
  md_t src = c.spatial_view(x, nhwc);
  // Nearest only copies elements: float32, bf16 between bf16 convolutions, 8-bit between int8 ones.
  const auto et = src.data_type() == dnnl::memory::data_type::bf16 || int8 ? src.data_type() : dnnl::memory::data_type::f32;
  int64_t blk = -1;
  tag t = tag::undef;
  for (auto [cand, b] : {std::pair{tag::nChw8c, 8}, {tag::nChw16c, 16}, {tag::nchw, 1}, {tag::nhwc, 0}})
    if (src == md_t(in_dims, et, cand)) {
      blk = b;
      t = cand;
      break;
    }
  int xs = x;
  if (blk < 0) {  // some other format: read it as plain NCHW
    t = tag::nchw;
    blk = 1;
    xs = c.as_spatial(x, nhwc, md_t(in_dims, et, t));
  }
  md_t dst(out_dims, et, t);
  c.define(y, dst, true, nhwc);
  // Rows of `inner` elements: one channel block of one pixel (NHWC: all channels).
  const int64_t planes = blk == 0 ? N : N * ((C + blk - 1) / blk);
  const int64_t inner = blk == 0 ? C : blk;
  const size_t esz = dnnl_type_size(et);
  // Runs of output rows reading the same source row (2x upsampling: pairs):
  // the first is gathered, the others are copies of it, one memcpy each.
  std::vector<std::pair<int64_t, int64_t>> runs;  // (first output row, rows)
  for (int64_t oh = 0; oh < OH; ++oh)
    if (oh > 0 && rows[oh] == rows[oh - 1]) ++runs.back().second;
    else runs.push_back({oh, 1});
  const int64_t nruns = static_cast<int64_t>(runs.size());
  c.add(host_step(n.name, {xs}, {y}, [=](const std::vector<void*>& ptr) {
    const char* s = static_cast<const char*>(ptr[xs]);
    char* d = static_cast<char*>(ptr[y]);
    const size_t row_in = static_cast<size_t>(IW * inner) * esz, row_out = static_cast<size_t>(OW * inner) * esz;
    const size_t pix = static_cast<size_t>(inner) * esz;
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t pl = 0; pl < planes; ++pl)
      for (int64_t r = 0; r < nruns; ++r) {
        const int64_t oh = runs[r].first;
        const char* srow = s + static_cast<size_t>(pl * IH + rows[oh]) * row_in;
        char* drow = d + static_cast<size_t>(pl * OH + oh) * row_out;
        if (esz == 4 && inner == 1) {  // plain NCHW float32: element gathers
          const float* sf = reinterpret_cast<const float*>(srow);
          float* df = reinterpret_cast<float*>(drow);
          for (int64_t ow = 0; ow < OW; ++ow) df[ow] = sf[cols[ow]];
        } else {
          for (int64_t ow = 0; ow < OW; ++ow) std::memcpy(drow + ow * pix, srow + cols[ow] * pix, pix);
        }
        for (int64_t k = 1; k < runs[r].second; ++k) std::memcpy(drow + k * row_out, drow, row_out);
      }
  }));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Resize, lower_resize);

}  // namespace segrt::cpu
