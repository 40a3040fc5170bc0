// Reference LayerNormalization, GroupNormalization, LpNormalization,
// MeanVarianceNormalization and LRN, with statistics in double.
#include <cmath>

#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/shape.h"

namespace segrt::ref {

namespace {

// Normalises each of `groups` consecutive runs of `len` values of x in place:
// (x - mean) / sqrt(var + eps); returns the means and 1/sqrt(var + eps).
void standardise(std::vector<double>& x, int64_t groups, int64_t len, double eps, std::vector<double>* mean,
                 std::vector<double>* inv_std) {
  for (int64_t g = 0; g < groups; ++g) {
    double* p = x.data() + g * len;
    double m = 0, v = 0;
    for (int64_t i = 0; i < len; ++i) m += p[i];
    m /= static_cast<double>(len);
    for (int64_t i = 0; i < len; ++i) v += (p[i] - m) * (p[i] - m);
    v /= static_cast<double>(len);
    const double inv = 1.0 / std::sqrt(v + eps);
    for (int64_t i = 0; i < len; ++i) p[i] = (p[i] - m) * inv;
    if (mean) mean->push_back(m);
    if (inv_std) inv_std->push_back(inv);
  }
}

void layer_norm_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  const int axis = normalize_axis(n.attrs.i("axis", -1), in[0]->rank());
  const Shape norm(s.begin() + axis, s.end());
  const int64_t len = shape_numel(norm), groups = len ? in[0]->numel() / len : 0;
  auto x = in[0]->to_f64_vector();
  std::vector<double> mean, inv_std;
  standardise(x, groups, len, n.attrs.f("epsilon", 1e-5), &mean, &inv_std);
  auto scale = in[1]->to_f64_vector();
  auto ss = broadcast_strides(in[1]->shape(), norm);
  std::vector<double> bias;
  std::vector<int64_t> bs;
  if (in.size() > 2 && in[2]) {
    bias = in[2]->to_f64_vector();
    bs = broadcast_strides(in[2]->shape(), norm);
  }
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    const int64_t j = i % len;
    x[i] = x[i] * scale[broadcast_offset(j, norm, ss)] + (bias.empty() ? 0.0 : bias[broadcast_offset(j, norm, bs)]);
  }
  store_f64(out[0], x);
  if (out.size() > 1) store_f64(out[1], mean);
  if (out.size() > 2) store_f64(out[2], inv_std);
}

void group_norm_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  const int64_t groups = n.attrs.i("num_groups", 1), batch = s[0], channels = s[1];
  const int64_t spatial = channels ? in[0]->numel() / batch / channels : 0;
  auto x = in[0]->to_f64_vector();
  standardise(x, batch * groups, channels / groups * spatial, n.attrs.f("epsilon", 1e-5), nullptr, nullptr);
  auto scale = in[1]->to_f64_vector(), bias = in[2]->to_f64_vector();
  const bool per_group = static_cast<int64_t>(scale.size()) != channels;
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    const int64_t c = i / spatial % channels, p = per_group ? c / (channels / groups) : c;
    x[i] = x[i] * scale[p] + bias[p];
  }
  store_f64(out[0], x);
}

void lp_norm_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  const int axis = normalize_axis(n.attrs.i("axis", -1), in[0]->rank());
  const bool l1 = n.attrs.i("p", 2) == 1;
  int64_t outer = 1, len = s[axis], inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  auto x = in[0]->to_f64_vector();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double norm = 0;
      for (int64_t k = 0; k < len; ++k) {
        const double v = x[(o * len + k) * inner + i];
        norm += l1 ? std::fabs(v) : v * v;
      }
      if (!l1) norm = std::sqrt(norm);
      for (int64_t k = 0; k < len; ++k) {
        double& v = x[(o * len + k) * inner + i];
        v = norm == 0 ? 0.0 : v / norm;
      }
    }
  store_f64(out[0], x);
}

// ONNX's function body: (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9).
void mvn_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  Shape kept = s;
  int64_t count = 1;
  for (int64_t a : n.attrs.ints("axes", {0, 2, 3})) {
    const int d = normalize_axis(a, in[0]->rank());
    count *= s[d];
    kept[d] = 1;
  }
  const auto st = broadcast_strides(kept, s);
  auto x = in[0]->to_f64_vector();
  std::vector<double> sum(static_cast<size_t>(shape_numel(kept)), 0.0), sq(sum);
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    sum[broadcast_offset(i, s, st)] += x[i];
    sq[broadcast_offset(i, s, st)] += x[i] * x[i];
  }
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    const int64_t o = broadcast_offset(i, s, st);
    const double m = sum[o] / count, var = sq[o] / count - m * m;
    x[i] = (x[i] - m) / (std::sqrt(std::max(var, 0.0)) + 1e-9);
  }
  store_f64(out[0], x);
}

void lrn_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  const int64_t size = n.attrs.i("size", 1), channels = s[1], spatial = in[0]->numel() / s[0] / channels;
  const double alpha = n.attrs.f("alpha", 1e-4), beta = n.attrs.f("beta", 0.75), bias = n.attrs.f("bias", 1.0);
  const int64_t lo = (size - 1) / 2, hi = size - 1 - lo;  // floor and ceil of (size-1)/2
  auto x = in[0]->to_f64_vector();
  std::vector<double> y(x.size());
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    const int64_t c = i / spatial % channels, base = i - c * spatial;
    double sq = 0;
    for (int64_t k = std::max<int64_t>(0, c - lo); k <= std::min(channels - 1, c + hi); ++k) {
      const double v = x[base + k * spatial];
      sq += v * v;
    }
    y[i] = x[i] / std::pow(bias + alpha / static_cast<double>(size) * sq, beta);
  }
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(LayerNormalization, layer_norm_kernel);
SEGRT_REF_KERNEL(GroupNormalization, group_norm_kernel);
SEGRT_REF_KERNEL(LpNormalization, lp_norm_kernel);
SEGRT_REF_KERNEL(MeanVarianceNormalization, mvn_kernel);
SEGRT_REF_KERNEL(LRN, lrn_kernel);

}  // namespace segrt::ref
