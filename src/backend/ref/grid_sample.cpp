// Reference GridSample (2-D), following ONNX's reference implementation and
// ONNX Runtime: grid values in [-1, 1] map to pixel coordinates (align_corners
// picks centres or edges of the corner pixels), out-of-range coordinates are
// clamped (border) or mirrored (reflection), and pixels outside the image
// read 0 (zeros). Cubic uses a = -0.75 on a 4x4 neighbourhood.
#include <algorithm>
#include <cmath>

#include "backend/ref/ref.h"
#include "backend/ref/store.h"

namespace segrt::ref {

namespace {

double denormalize(double v, int64_t len, bool align) {
  return align ? (v + 1) / 2 * static_cast<double>(len - 1) : ((v + 1) * static_cast<double>(len) - 1) / 2;
}

// Mirrors x into [lo, hi] as often as needed.
double reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    const double d = lo - x;
    const auto n = static_cast<int64_t>(d / range);
    const double r = d - static_cast<double>(n) * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const double d = x - hi;
    const auto n = static_cast<int64_t>(d / range);
    const double r = d - static_cast<double>(n) * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return x;
}

struct Plane {
  const double* p;
  int64_t h, w;
  std::string pad;
  double lo_x, hi_x, lo_y, hi_y;  // the coordinate range reflection mirrors into
  double at(int64_t y, int64_t x) const {
    if (pad == "zeros") return y >= 0 && y < h && x >= 0 && x < w ? p[y * w + x] : 0.0;
    if (pad == "border") {
      x = std::clamp<int64_t>(x, 0, w - 1);
      y = std::clamp<int64_t>(y, 0, h - 1);
    } else {
      x = static_cast<int64_t>(reflect(static_cast<double>(x), lo_x, hi_x));
      y = static_cast<int64_t>(reflect(static_cast<double>(y), lo_y, hi_y));
    }
    return p[y * w + x];
  }
};

void cubic_coeffs(double t, double c[4]) {
  const double a = -0.75;
  c[0] = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
  c[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  c[2] = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
  c[3] = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a;
}

double sample(const Plane& pl, double x, double y, const std::string& mode) {
  if (mode == "nearest") {
    x = std::nearbyint(x);
    y = std::nearbyint(y);
  }
  if (x < pl.lo_x || x > pl.hi_x || y < pl.lo_y || y > pl.hi_y) {
    // Cubic with border padding clamps each of the 16 taps instead (ONNX Runtime).
    if (pl.pad == "border" && mode != "cubic") {
      x = std::clamp(x, 0.0, static_cast<double>(pl.w - 1));
      y = std::clamp(y, 0.0, static_cast<double>(pl.h - 1));
    } else if (pl.pad == "reflection") {
      x = reflect(x, pl.lo_x, pl.hi_x);
      y = reflect(y, pl.lo_y, pl.hi_y);
    }
  }
  if (mode == "nearest") return pl.at(static_cast<int64_t>(y), static_cast<int64_t>(x));
  const auto x0 = static_cast<int64_t>(std::floor(x)), y0 = static_cast<int64_t>(std::floor(y));
  const double dx = x - static_cast<double>(x0), dy = y - static_cast<double>(y0);
  if (mode == "linear")
    return (1 - dy) * ((1 - dx) * pl.at(y0, x0) + dx * pl.at(y0, x0 + 1)) +
           dy * ((1 - dx) * pl.at(y0 + 1, x0) + dx * pl.at(y0 + 1, x0 + 1));
  double cx[4], cy[4], v = 0;
  cubic_coeffs(dx, cx);
  cubic_coeffs(dy, cy);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) v += cy[i] * cx[j] * pl.at(y0 - 1 + i, x0 - 1 + j);
  return v;
}

void grid_sample_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& xs = in[0]->shape();
  const Shape& os = out[0].shape();
  const int64_t batch = xs[0], ch = xs[1], h = xs[2], w = xs[3], ho = os[2], wo = os[3];
  const bool align = n.attrs.i("align_corners", 0) != 0;
  const std::string mode = n.attrs.s("mode", "linear");
  auto x = in[0]->to_f64_vector(), grid = in[1]->to_f64_vector();
  std::vector<double> y(static_cast<size_t>(out[0].numel()));
  Plane pl{nullptr, h, w, n.attrs.s("padding_mode", "zeros"), 0, 0, 0, 0};
  pl.lo_x = align ? 0.0 : -0.5;
  pl.hi_x = align ? static_cast<double>(w - 1) : static_cast<double>(w) - 0.5;
  pl.lo_y = align ? 0.0 : -0.5;
  pl.hi_y = align ? static_cast<double>(h - 1) : static_cast<double>(h) - 0.5;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < ch; ++c) {
      pl.p = x.data() + (b * ch + c) * h * w;
      for (int64_t i = 0; i < ho * wo; ++i) {
        const double* g = grid.data() + (b * ho * wo + i) * 2;
        y[(b * ch + c) * ho * wo + i] = sample(pl, denormalize(g[0], w, align), denormalize(g[1], h, align), mode);
      }
    }
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(GridSample, grid_sample_kernel);

}  // namespace segrt::ref
