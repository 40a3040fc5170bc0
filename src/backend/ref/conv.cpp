// Reference Conv and ConvTranspose: direct loops on channels-first data with
// float64 accumulation. 1-D and 2-D windows are computed as 3-D ones with
// leading extents of 1, so one loop nest serves every rank. Bias, the fused
// residual (input 3) and the fused activation are applied in that order.
#include "backend/ref/layout.h"
#include "backend/ref/ref.h"
#include "backend/ref/window.h"
#include "ir/activation.h"
#include "ir/ops/conv_util.h"

namespace segrt::ref {

namespace {

// y (channels-first accumulators, [N, M, out...]) += bias, residual; then the
// activation; written to out[0] in the node's layout and dtype.
void finish(const Node& n, const std::vector<const Tensor*>& in, std::vector<double>& acc, int64_t batch,
            int64_t channels, const Shape& nchw_shape, bool nhwc, Tensor& out) {
  int64_t plane = static_cast<int64_t>(acc.size()) / (batch * channels);
  if (in.size() > 2 && in[2]) {
    Tensor b = in[2]->to_f32();
    const float* pb = b.data<float>();
    for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i) acc[i] += pb[(i / plane) % channels];
  }
  if (in.size() > 3 && in[3]) {
    Tensor r = channels_first(*in[3], nhwc).to_f32();
    const float* pr = r.data<float>();
    for (size_t i = 0; i < acc.size(); ++i) acc[i] += pr[i];
  }
  Activation act = Activation::from_fused_attrs(n.attrs);
  Tensor y(DType::f32, nchw_shape);
  float* py = y.data<float>();
  for (size_t i = 0; i < acc.size(); ++i) py[i] = act(static_cast<float>(acc[i]));
  out = channels_last_if(y, nhwc).cast(out.dtype());
  out.set_layout(nhwc ? Layout::NHWC : Layout::NCHW);
}

void conv_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  if (out[0].numel() == 0) return;  // empty batch or channels: nothing to compute (and no division by zero)
  bool nhwc = is_channels_last(n.attrs);
  Tensor x = channels_first(*in[0], nhwc).to_f32();
  Tensor w = in[1]->to_f32();
  const Shape& xs = x.shape();
  ConvGeometry g = conv_geometry(channels_first_attrs(n.attrs), xs, w.shape());
  Window3 win(g);
  const int64_t N = xs[0], C = xs[1], M = w.dim(0), group = n.attrs.i("group", 1);
  const int64_t Cg = C / group, Mg = M / group;
  const int64_t in_plane = win.in_plane(), out_plane = win.out_plane(), kvol = win.kernel_volume();
  const float* px = x.data<float>();
  const float* pw = w.data<float>();
  std::vector<double> acc(static_cast<size_t>(N * M * out_plane), 0.0);
  for (int64_t b = 0; b < N; ++b)
    for (int64_t m = 0; m < M; ++m) {
      const int64_t c0 = (m / Mg) * Cg;  // first input channel of m's group
      double* y = &acc[(b * M + m) * out_plane];
      for (int64_t od = 0; od < win.out[0]; ++od)
        for (int64_t oh = 0; oh < win.out[1]; ++oh)
          for (int64_t ow = 0; ow < win.out[2]; ++ow) {
            double sum = 0.0;
            for (int64_t c = 0; c < Cg; ++c) {
              const float* xc = px + (b * C + c0 + c) * in_plane;
              const float* wc = pw + (m * Cg + c) * kvol;
              for (int64_t kd = 0; kd < win.k[0]; ++kd) {
                int64_t id = od * win.s[0] - win.pad[0] + kd * win.d[0];
                if (id < 0 || id >= win.in[0]) continue;
                for (int64_t kh = 0; kh < win.k[1]; ++kh) {
                  int64_t ih = oh * win.s[1] - win.pad[1] + kh * win.d[1];
                  if (ih < 0 || ih >= win.in[1]) continue;
                  for (int64_t kw = 0; kw < win.k[2]; ++kw) {
                    int64_t iw = ow * win.s[2] - win.pad[2] + kw * win.d[2];
                    if (iw < 0 || iw >= win.in[2]) continue;
                    sum += static_cast<double>(xc[(id * win.in[1] + ih) * win.in[2] + iw]) *
                           wc[(kd * win.k[1] + kh) * win.k[2] + kw];
                  }
                }
              }
            }
            y[(od * win.out[1] + oh) * win.out[2] + ow] = sum;
          }
    }
  Shape ys{N, M};
  ys.insert(ys.end(), g.out.begin(), g.out.end());
  finish(n, in, acc, N, M, ys, nhwc, out[0]);
}

// Every input pixel scatters its kernel-weighted value into the output; the
// output index is i * stride + k * dilation - pad_begin (outside: dropped).
void conv_transpose_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  if (out[0].numel() == 0) return;  // empty batch or channels: nothing to compute (and no division by zero)
  bool nhwc = is_channels_last(n.attrs);
  Tensor x = channels_first(*in[0], nhwc).to_f32();
  Tensor w = in[1]->to_f32();
  const Shape& xs = x.shape();
  ConvGeometry g = conv_transpose_geometry(channels_first_attrs(n.attrs), xs, w.shape());
  Window3 win(g);
  const int64_t N = xs[0], C = xs[1], group = n.attrs.i("group", 1);
  const int64_t Cg = C / group, Mg = w.dim(1), M = Mg * group;
  const int64_t in_plane = win.in_plane(), out_plane = win.out_plane(), kvol = win.kernel_volume();
  const float* px = x.data<float>();
  const float* pw = w.data<float>();
  std::vector<double> acc(static_cast<size_t>(N * M * out_plane), 0.0);
  for (int64_t b = 0; b < N; ++b)
    for (int64_t c = 0; c < C; ++c) {
      const int64_t gi = c / Cg;
      const float* xc = px + (b * C + c) * in_plane;
      for (int64_t m = 0; m < Mg; ++m) {
        double* y = &acc[(b * M + gi * Mg + m) * out_plane];
        const float* wc = pw + (c * Mg + m) * kvol;
        for (int64_t id = 0; id < win.in[0]; ++id)
          for (int64_t ih = 0; ih < win.in[1]; ++ih)
            for (int64_t iw = 0; iw < win.in[2]; ++iw) {
              double v = xc[(id * win.in[1] + ih) * win.in[2] + iw];
              for (int64_t kd = 0; kd < win.k[0]; ++kd) {
                int64_t od = id * win.s[0] + kd * win.d[0] - win.pad[0];
                if (od < 0 || od >= win.out[0]) continue;
                for (int64_t kh = 0; kh < win.k[1]; ++kh) {
                  int64_t oh = ih * win.s[1] + kh * win.d[1] - win.pad[1];
                  if (oh < 0 || oh >= win.out[1]) continue;
                  for (int64_t kw = 0; kw < win.k[2]; ++kw) {
                    int64_t ow = iw * win.s[2] + kw * win.d[2] - win.pad[2];
                    if (ow < 0 || ow >= win.out[2]) continue;
                    y[(od * win.out[1] + oh) * win.out[2] + ow] += v * wc[(kd * win.k[1] + kh) * win.k[2] + kw];
                  }
                }
              }
            }
      }
    }
  Shape ys{N, M};
  ys.insert(ys.end(), g.out.begin(), g.out.end());
  finish(n, in, acc, N, M, ys, nhwc, out[0]);
}

}  // namespace

SEGRT_REF_KERNEL(Conv, conv_kernel);
SEGRT_REF_KERNEL(ConvTranspose, conv_transpose_kernel);

}  // namespace segrt::ref
