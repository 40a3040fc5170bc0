// Resize in linear and cubic modes (and nearest with tf_crop_and_resize, or
// on ranks other than 4) on 3-D, 4-D and 5-D activations (1-D, 2-D, 3-D
// images: bilinear and trilinear decoders): an own kernel in the input's
// format (channels first / last or oneDNN's 8- and 16-channel blocks), so a
// bilinear U-Net decoder stays blocked. Per-axis taps (index, weight) come
// from the shared ONNX formulas (ir/ops/resize_util.h) computed exactly as
// the reference does; each output pixel is then sum_w w_w * sum_(d,h) w_d w_h
// * x over its taps, accumulated in double like the reference (see
// resize_kernel). oneDNN's resampling primitive implements only some
// coordinate modes, so it is not used. 4-D nearest without cropping is
// backend/cpu/resize.cpp's.
#include <cmath>

#include "backend/cpu/channel_view.h"
#include "ir/ops/resize_util.h"

namespace segrt::cpu {

namespace {

using AxisTaps = ResizeAxisTaps;

// An axis the resize leaves alone: every output takes its own index with
// weight 1 (cubic adds taps of weight 0 around it).
bool is_identity(const AxisTaps& t) {
  for (size_t o = 0; o < t.count.size(); ++o) {
    double self = 0;
    for (int k = 0; k < t.count[o]; ++k) {
      if (t.index[o * 4 + k] == static_cast<int64_t>(o)) self += t.weight[o * 4 + k];
      else if (t.weight[o * 4 + k] != 0.0) return false;
    }
    if (self != 1.0) return false;
  }
  return true;
}

// An axis of size 1 standing in for the depth (and height) of lower ranks.
AxisTaps unit_axis() {
  AxisTaps t;
  t.index = {0, 0, 0, 0};
  t.weight = {1.0, 0, 0, 0};
  t.count = {1};
  return t;
}

struct Geometry {
  ChannelView in;                  // in.S = ID * IH * IW
  int64_t ID, IH, IW, OD, OH, OW;  // spatial sizes as depth, height, width (1 for lower ranks)
  AxisTaps depth, rows, cols;
  float extrapolation;
};

// Separable: each output row first combines its input rows (w_d * w_h,
// contiguous over the whole row, so it vectorises in every format), then
// each output pixel combines its columns (w_w), vectorised over a pixel's
// channel lanes. Both in double; taps of weight 0 are skipped as the
// reference skips them.
void resize_kernel(const float* src, float* dst, const Geometry& g) {
  const int64_t blk = g.in.blk, planes = g.in.N * g.in.nblk, row_len = g.IW * blk;
#pragma omp parallel
  {
    std::vector<double> v(static_cast<size_t>(row_len)), a(static_cast<size_t>(blk));
#pragma omp for collapse(3) schedule(static)
    for (int64_t pl = 0; pl < planes; ++pl)
      for (int64_t od = 0; od < g.OD; ++od)
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          // Lanes that are real channels; padding lanes of the last block stay zero.
          const int64_t cb = pl % g.in.nblk, lanes = std::min(blk, g.in.C - cb * blk);
          float* drow = dst + ((pl * g.OD + od) * g.OH + oh) * g.OW * blk;
          const int nd = g.depth.count[od], nh = g.rows.count[oh];
          auto extrapolate = [&](float* d) {
            for (int64_t l = 0; l < blk; ++l) d[l] = l < lanes ? g.extrapolation : 0.f;
          };
          if (nd == 0 || nh == 0) {
            for (int64_t ow = 0; ow < g.OW; ++ow) extrapolate(drow + ow * blk);
            continue;
          }
          const float* plane = src + pl * g.ID * g.IH * row_len;
          for (int td = 0; td < nd; ++td)
            for (int th = 0; th < nh; ++th) {
              const double w = g.depth.weight[od * 4 + td] * g.rows.weight[oh * 4 + th];
              const float* s = plane + (g.depth.index[od * 4 + td] * g.IH + g.rows.index[oh * 4 + th]) * row_len;
              if (td == 0 && th == 0) {
                for (int64_t i = 0; i < row_len; ++i) v[i] = w * s[i];
              } else {
                for (int64_t i = 0; i < row_len; ++i) v[i] += w * s[i];
              }
            }
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int nw = g.cols.count[ow];
            const int64_t* idx = &g.cols.index[ow * 4];
            const double* wt = &g.cols.weight[ow * 4];
            float* d = drow + ow * blk;
            if (nw == 0) {
              extrapolate(d);
            } else if (blk == 1) {
              double acc = wt[0] * v[idx[0]];
              for (int tw = 1; tw < nw; ++tw) acc += wt[tw] * v[idx[tw]];
              *d = static_cast<float>(acc);
            } else {
              const double* v0 = v.data() + idx[0] * blk;
              for (int64_t l = 0; l < blk; ++l) a[l] = wt[0] * v0[l];
              for (int tw = 1; tw < nw; ++tw) {
                const double* vt = v.data() + idx[tw] * blk;
                for (int64_t l = 0; l < blk; ++l) a[l] += wt[tw] * vt[l];
              }
              for (int64_t l = 0; l < blk; ++l) d[l] = static_cast<float>(a[l]);
            }
          }
        }
  }
}

bool lower_resize_interp(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Value& xv = g.value(x);
  const int r = static_cast<int>(xv.shape.size());
  if (r < 3 || r > 5 || xv.dtype != DType::f32) return *why = "float32 rank 3-5 only", false;
  ResizeParams p;
  if (!constant_resize_params(g, n, &p)) return *why = "scales or sizes computed at run time", false;
  if (p.mode == "nearest" && p.coord_mode != "tf_crop_and_resize" && r == 4)
    return *why = "nearest 4-D (resize.cpp)", false;
  const bool nhwc = xv.layout == Layout::NHWC;
  const int ch = nhwc ? r - 1 : 1, first = nhwc ? 1 : 2;  // channel axis, first spatial axis
  if (!is_identity(resize_axis_taps(p, 0, xv.shape[0])) || !is_identity(resize_axis_taps(p, ch, xv.shape[ch])))
    return *why = "resizes batch or channels", false;
  Geometry geo;
  const int sp = r - 2;
  auto in = [&](int k) { return k < 3 - sp ? int64_t{1} : xv.shape[first + k - (3 - sp)]; };
  auto out = [&](int k) { return k < 3 - sp ? int64_t{1} : p.out[first + k - (3 - sp)]; };
  auto taps = [&](int k) { return k < 3 - sp ? unit_axis() : resize_axis_taps(p, first + k - (3 - sp), in(k)); };
  geo.ID = in(0), geo.IH = in(1), geo.IW = in(2);
  geo.OD = out(0), geo.OH = out(1), geo.OW = out(2);
  geo.depth = taps(0), geo.rows = taps(1), geo.cols = taps(2);
  geo.extrapolation = static_cast<float>(p.extrapolation_value);
  ChannelInput ci = channel_input(c, x, nhwc);
  geo.in = ci.view;
  define_like(c, y, ci);
  int xs = ci.slot;
  c.add(host_step(n.name, {xs}, {y}, [=](const std::vector<void*>& ptr) {
    resize_kernel(static_cast<const float*>(ptr[xs]), static_cast<float*>(ptr[y]), geo);
  }));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Resize, lower_resize_interp);

}  // namespace segrt::cpu
