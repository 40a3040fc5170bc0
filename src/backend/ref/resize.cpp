// Reference Resize on any rank: each output element is a weighted sum over
// the product of per-axis taps (nearest: 1, linear: 2, cubic: 4), computed
// in float64. Taps outside the input take the edge value (or, with
// exclude_outside, are dropped and the weights renormalised); with
// tf_crop_and_resize an output whose coordinate leaves the input on any axis
// is extrapolation_value.
#include <cmath>

#include "backend/ref/ref.h"
#include "ir/ops/resize_util.h"

namespace segrt::ref {

namespace {

struct Tap {
  int64_t index;
  double weight;
};

struct AxisTaps {
  std::vector<std::vector<Tap>> taps;  // per output index
  std::vector<char> outside;           // per output index: extrapolate
};

AxisTaps axis_taps(const ResizeParams& p, int axis, int64_t len_in) {
  AxisTaps t;
  const int64_t len_out = p.out[axis];
  t.taps.resize(static_cast<size_t>(len_out));
  t.outside.assign(static_cast<size_t>(len_out), 0);
  auto clamp = [&](int64_t i) { return std::min(std::max<int64_t>(i, 0), len_in - 1); };
  for (int64_t o = 0; o < len_out; ++o) {
    double x = resize_source_coord(p.coord_mode, static_cast<double>(o), p.scales[axis], len_in, p.roi_start[axis],
                                   p.roi_end[axis]);
    auto& taps = t.taps[o];
    if (p.coord_mode == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(len_in - 1))) {
      t.outside[o] = 1;
      continue;
    }
    if (p.mode == "nearest") {
      taps.push_back({clamp(resize_nearest_index(p.nearest_mode, x)), 1.0});
    } else if (p.mode == "linear") {
      double xc = std::min(std::max(x, 0.0), static_cast<double>(len_in - 1));
      int64_t i0 = static_cast<int64_t>(std::floor(xc));
      double f = xc - static_cast<double>(i0);
      taps.push_back({i0, 1.0 - f});
      if (f > 0) taps.push_back({clamp(i0 + 1), f});
    } else {  // cubic
      int64_t i0 = static_cast<int64_t>(std::floor(x));
      double w[4];
      resize_cubic_weights(x - static_cast<double>(i0), p.cubic_coeff_a, w);
      double sum = 0;
      for (int k = 0; k < 4; ++k) {
        int64_t i = i0 - 1 + k;
        if (p.exclude_outside && (i < 0 || i >= len_in)) continue;
        taps.push_back({clamp(i), w[k]});
        sum += w[k];
      }
      if (p.exclude_outside && sum != 0)
        for (auto& tp : taps) tp.weight /= sum;
    }
  }
  return t;
}

void resize_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto arg = [&](size_t i) { return i < in.size() ? in[i] : nullptr; };
  const Shape& xs = in[0]->shape();
  ResizeParams p = resize_params(n.attrs, xs, arg(1), arg(2), arg(3));
  const int r = static_cast<int>(xs.size());
  std::vector<AxisTaps> axes;
  for (int a = 0; a < r; ++a) axes.push_back(axis_taps(p, a, xs[a]));
  std::vector<double> x = in[0]->to_f64_vector();
  std::vector<int64_t> in_st(static_cast<size_t>(r), 1);
  for (int a = r - 1; a > 0; --a) in_st[a - 1] = in_st[a] * xs[a];

  Tensor y(DType::f64, p.out);
  double* py = y.data<double>();
  std::vector<int64_t> o(static_cast<size_t>(r), 0);  // output odometer
  std::vector<size_t> k(static_cast<size_t>(r), 0);   // tap odometer
  for (int64_t e = 0; e < y.numel(); ++e) {
    bool extrapolate = false;
    for (int a = 0; a < r; ++a) extrapolate |= axes[a].outside[o[a]] != 0;
    double sum = 0;
    if (extrapolate) {
      sum = p.extrapolation_value;
    } else {
      std::fill(k.begin(), k.end(), 0);
      for (;;) {  // every combination of one tap per axis
        double w = 1;
        int64_t off = 0;
        for (int a = 0; a < r; ++a) {
          const Tap& t = axes[a].taps[o[a]][k[a]];
          w *= t.weight;
          off += t.index * in_st[a];
        }
        sum += w * x[off];
        int a = r - 1;
        for (; a >= 0; --a) {
          if (++k[a] < axes[a].taps[o[a]].size()) break;
          k[a] = 0;
        }
        if (a < 0) break;
      }
    }
    py[e] = sum;
    for (int a = r - 1; a >= 0; --a) {
      if (++o[a] < p.out[a]) break;
      o[a] = 0;
    }
  }
  if (!dtype_is_float(out[0].dtype()))  // integer images: round, as the C++ runtimes do
    for (int64_t e = 0; e < y.numel(); ++e) py[e] = std::nearbyint(py[e]);
  Layout l = out[0].layout();
  out[0] = y.cast(out[0].dtype());
  out[0].set_layout(l);
}

}  // namespace

SEGRT_REF_KERNEL(Resize, resize_kernel);

}  // namespace segrt::ref
