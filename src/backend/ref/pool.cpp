// Reference pools on channels-first data, in float64. MaxPool ignores padded
// taps (they are -inf); AveragePool divides by the taps inside the input, or
// with count_include_pad by the taps inside input + pads (a ceil_mode window
// that reaches past the end padding counts only up to it, as PyTorch does).
#include <cmath>
#include <limits>

#include "backend/ref/layout.h"
#include "backend/ref/ref.h"
#include "backend/ref/window.h"

namespace segrt::ref {

namespace {

// Writes channels-first float64 results to `out` in the node's layout and dtype.
void store(const std::vector<double>& v, const Shape& nchw_shape, bool nhwc, Tensor& out) {
  Tensor y(DType::f64, nchw_shape);
  std::copy(v.begin(), v.end(), y.data<double>());
  out = channels_last_if(y, nhwc).cast(out.dtype());
  out.set_layout(nhwc ? Layout::NHWC : Layout::NCHW);
}

void pool_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  if (out[0].numel() == 0) return;  // empty batch or channels: nothing to compute (and no division by zero)
  const bool nhwc = is_channels_last(n.attrs);
  const bool is_max = n.op == OpType::MaxPool;
  const bool include_pad = n.attrs.i("count_include_pad", 0) != 0;
  const int64_t storage_order = n.attrs.i("storage_order", 0);
  Tensor xt = channels_first(*in[0], nhwc);
  const Shape xs = xt.shape();
  std::vector<double> x = xt.to_f64_vector();
  ConvGeometry g = pool_geometry(channels_first_attrs(n.attrs), xs);
  Window3 w(g);
  SEGRT_CHECK(out.size() < 2 || storage_order == 0 || g.rank() == 2, Unsupported,
              "MaxPool Indices with storage_order=1 on a ", g.rank(), "-D window");
  const int64_t planes = xs[0] * xs[1], in_plane = w.in_plane(), out_plane = w.out_plane();
  std::vector<double> y(static_cast<size_t>(planes * out_plane));
  std::vector<int64_t> idx(is_max ? y.size() : 0);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t od = 0; od < w.out[0]; ++od)
      for (int64_t oh = 0; oh < w.out[1]; ++oh)
        for (int64_t ow = 0; ow < w.out[2]; ++ow) {
          const int64_t o = p * out_plane + (od * w.out[1] + oh) * w.out[2] + ow;
          const int64_t o3[3] = {od, oh, ow};
          double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
          int64_t best_at = -1, inside = 0, padded = 1;
          for (int a = 0; a < 3; ++a) {  // taps within input + pads along axis a, for count_include_pad
            int64_t cnt = 0;
            for (int64_t k = 0; k < w.k[a]; ++k) {
              int64_t i = o3[a] * w.s[a] - w.pad[a] + k * w.d[a];
              cnt += i >= -w.pad[a] && i < w.in[a] + w.pad_end[a];
            }
            padded *= cnt;
          }
          for (int64_t kd = 0; kd < w.k[0]; ++kd) {
            int64_t id = od * w.s[0] - w.pad[0] + kd * w.d[0];
            if (id < 0 || id >= w.in[0]) continue;
            for (int64_t kh = 0; kh < w.k[1]; ++kh) {
              int64_t ih = oh * w.s[1] - w.pad[1] + kh * w.d[1];
              if (ih < 0 || ih >= w.in[1]) continue;
              for (int64_t kw = 0; kw < w.k[2]; ++kw) {
                int64_t iw = ow * w.s[2] - w.pad[2] + kw * w.d[2];
                if (iw < 0 || iw >= w.in[2]) continue;
                int64_t at = (id * w.in[1] + ih) * w.in[2] + iw;
                double v = x[p * in_plane + at];
                ++inside;
                sum += v;
                if (v > best || std::isnan(v)) {
                  best = v;
                  // Indices count from the tensor start; storage_order=1 numbers a plane column by column.
                  best_at = p * in_plane + (storage_order ? iw * w.in[1] + ih : at);
                }
              }
            }
          }
          if (is_max) {
            y[o] = best;
            idx[o] = best_at;
          } else {
            int64_t div = include_pad ? padded : inside;
            y[o] = div ? sum / static_cast<double>(div) : 0.0;
          }
        }
  Shape ys{xs[0], xs[1]};
  ys.insert(ys.end(), g.out.begin(), g.out.end());
  store(y, ys, nhwc, out[0]);
  if (out.size() > 1) {
    Tensor t = Tensor::from_i64(idx, ys);
    out[1] = t;
  }
}

void global_pool_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  if (out[0].numel() == 0) return;  // empty batch or channels: nothing to compute (and no division by zero)
  const bool nhwc = is_channels_last(n.attrs);
  Tensor xt = channels_first(*in[0], nhwc);
  const Shape xs = xt.shape();
  std::vector<double> x = xt.to_f64_vector();
  const int64_t planes = xs[0] * xs[1], plane = xt.numel() / planes;
  std::vector<double> y(static_cast<size_t>(planes));
  for (int64_t p = 0; p < planes; ++p) {
    double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
    for (int64_t i = 0; i < plane; ++i) {
      double v = x[p * plane + i];
      sum += v;
      if (v > best || std::isnan(v)) best = v;
    }
    y[p] = n.op == OpType::GlobalMaxPool ? best : sum / static_cast<double>(plane);
  }
  Shape ys(xs.size(), 1);
  ys[0] = xs[0];
  ys[1] = xs[1];
  store(y, ys, nhwc, out[0]);
}

}  // namespace

SEGRT_REF_KERNEL(MaxPool, pool_kernel);
SEGRT_REF_KERNEL(AveragePool, pool_kernel);
SEGRT_REF_KERNEL(GlobalAveragePool, global_pool_kernel);
SEGRT_REF_KERNEL(GlobalMaxPool, global_pool_kernel);

}  // namespace segrt::ref
