// Reference RoiAlign, as ONNX Runtime computes it: each output bin averages
// (or takes the maximum of) a grid of bilinear samples; samples more than
// one pixel outside the image count as 0. In max mode each sample is the
// largest of its four weighted neighbours (ORT's definition, which the ONNX
// reference follows).
#include <algorithm>
#include <cmath>

#include "backend/ref/ref.h"
#include "backend/ref/store.h"

namespace segrt::ref {

namespace {

struct Tap {
  int64_t off[4] = {0, 0, 0, 0};
  double w[4] = {0, 0, 0, 0};
};

Tap bilinear_tap(double y, double x, int64_t h, int64_t w) {
  Tap t;
  if (y < -1.0 || y > static_cast<double>(h) || x < -1.0 || x > static_cast<double>(w)) return t;
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  auto yl = static_cast<int64_t>(y), xl = static_cast<int64_t>(x);
  int64_t yh = yl + 1, xh = xl + 1;
  if (yl >= h - 1) y = static_cast<double>(yh = yl = h - 1);
  if (xl >= w - 1) x = static_cast<double>(xh = xl = w - 1);
  const double ly = y - static_cast<double>(yl), lx = x - static_cast<double>(xl);
  const double hy = 1 - ly, hx = 1 - lx;
  t.off[0] = yl * w + xl, t.off[1] = yl * w + xh, t.off[2] = yh * w + xl, t.off[3] = yh * w + xh;
  t.w[0] = hy * hx, t.w[1] = hy * lx, t.w[2] = ly * hx, t.w[3] = ly * lx;
  return t;
}

void roi_align_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& xs = in[0]->shape();
  const int64_t ch = xs[1], h = xs[2], w = xs[3];
  const int64_t oh = n.attrs.i("output_height", 1), ow = n.attrs.i("output_width", 1);
  const int64_t ratio = n.attrs.i("sampling_ratio", 0);
  const double scale = n.attrs.f("spatial_scale", 1.0);
  const bool half_pixel = n.attrs.s("coordinate_transformation_mode", "half_pixel") == "half_pixel";
  const bool max_mode = n.attrs.s("mode", "avg") == "max";
  auto x = in[0]->to_f64_vector(), rois = in[1]->to_f64_vector();
  auto batch = in[2]->to_i64_vector();
  std::vector<double> y(static_cast<size_t>(out[0].numel()));
  const double offset = half_pixel ? 0.5 : 0.0;
  for (size_t r = 0; r < batch.size(); ++r) {
    SEGRT_CHECK(batch[r] >= 0 && batch[r] < xs[0], InvalidInput, "RoiAlign batch index ", batch[r], " out of range");
    const double* roi = rois.data() + r * 4;
    const double x0 = roi[0] * scale - offset, y0 = roi[1] * scale - offset;
    double rw = roi[2] * scale - offset - x0, rh = roi[3] * scale - offset - y0;
    if (!half_pixel) {
      rw = std::max(rw, 1.0);
      rh = std::max(rh, 1.0);
    }
    const double bh = rh / static_cast<double>(oh), bw = rw / static_cast<double>(ow);
    const int64_t gh = ratio > 0 ? ratio : static_cast<int64_t>(std::ceil(rh / static_cast<double>(oh)));
    const int64_t gw = ratio > 0 ? ratio : static_cast<int64_t>(std::ceil(rw / static_cast<double>(ow)));
    const double count = static_cast<double>(std::max<int64_t>(gh * gw, 1));
    for (int64_t c = 0; c < ch; ++c) {
      const double* p = x.data() + (batch[r] * ch + c) * h * w;
      for (int64_t py = 0; py < oh; ++py)
        for (int64_t px = 0; px < ow; ++px) {
          double acc = 0;
          bool first = true;
          for (int64_t iy = 0; iy < gh; ++iy)
            for (int64_t ix = 0; ix < gw; ++ix) {
              const double sy = y0 + py * bh + (iy + 0.5) * bh / static_cast<double>(gh);
              const double sx = x0 + px * bw + (ix + 0.5) * bw / static_cast<double>(gw);
              const Tap t = bilinear_tap(sy, sx, h, w);
              if (max_mode) {
                double v = t.w[0] * p[t.off[0]];
                for (int k = 1; k < 4; ++k) v = std::max(v, t.w[k] * p[t.off[k]]);
                acc = first ? v : std::max(acc, v);
                first = false;
              } else {
                for (int k = 0; k < 4; ++k) acc += t.w[k] * p[t.off[k]];
              }
            }
          y[((r * ch + c) * oh + py) * ow + px] = max_mode ? acc : acc / count;
        }
    }
  }
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(RoiAlign, roi_align_kernel);

}  // namespace segrt::ref
