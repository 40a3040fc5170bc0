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

void resize_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto arg = [&](size_t i) { return i < in.size() ? in[i] : nullptr; };
  const Shape& xs = in[0]->shape();
  ResizeParams p = resize_params(n.attrs, xs, arg(1), arg(2), arg(3));
  const int r = static_cast<int>(xs.size());
  std::vector<ResizeAxisTaps> axes;
  for (int a = 0; a < r; ++a) axes.push_back(resize_axis_taps(p, a, xs[a]));
  std::vector<double> x = in[0]->to_f64_vector();
  std::vector<int64_t> in_st(static_cast<size_t>(r), 1);
  for (int a = r - 1; a > 0; --a) in_st[a - 1] = in_st[a] * xs[a];

  Tensor y(DType::f64, p.out);
  double* py = y.data<double>();
  std::vector<int64_t> o(static_cast<size_t>(r), 0);  // output odometer
  std::vector<size_t> k(static_cast<size_t>(r), 0);   // tap odometer
  for (int64_t e = 0; e < y.numel(); ++e) {
    bool extrapolate = false;
    for (int a = 0; a < r; ++a) extrapolate |= axes[a].count[o[a]] == 0;
    double sum = 0;
    if (extrapolate) {
      sum = p.extrapolation_value;
    } else {
      std::fill(k.begin(), k.end(), 0);
      for (;;) {  // every combination of one tap per axis
        double w = 1;
        int64_t off = 0;
        for (int a = 0; a < r; ++a) {
          const size_t at = static_cast<size_t>(o[a]) * 4 + k[a];
          w *= axes[a].weight[at];
          off += axes[a].index[at] * in_st[a];
        }
        sum += w * x[off];
        int a = r - 1;
        for (; a >= 0; --a) {
          if (++k[a] < axes[a].count[o[a]]) break;
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
