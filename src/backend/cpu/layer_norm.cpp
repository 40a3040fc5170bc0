// LayerNormalization as an own kernel on plain data: SegFormer/ViT-style
// segmentation nets run it once or twice per transformer block, so it stays
// off the reference fallback. Each row (the dims from `axis` on) is
// standardised with mean and variance accumulated in double, then scaled and
// shifted by constant Scale/B (broadcast over the row), rounding once to
// float32 as the reference does. Mean/InvStdDev outputs (training) fall back.
#include <cmath>

#include "backend/cpu/cpu.h"
#include "ir/shape.h"

namespace segrt::cpu {

namespace {

// A constant parameter expanded to one value per row element; false when it
// is computed at run time or is not float.
bool row_param(const Graph& g, const Node& n, size_t k, const Shape& row, double fill, std::vector<double>* out) {
  const int64_t len = shape_numel(row);
  if (k >= n.inputs.size() || n.inputs[k] < 0) {
    out->assign(static_cast<size_t>(len), fill);
    return true;
  }
  const Value& v = g.value(n.inputs[k]);
  if (!v.is_constant() || !dtype_is_float(v.dtype)) return false;
  Shape s = v.shape;
  if (s.size() > row.size()) return false;
  s.insert(s.begin(), row.size() - s.size(), 1);
  const auto vals = v.constant.to_f64_vector();
  out->resize(static_cast<size_t>(len));
  for (int64_t i = 0; i < len; ++i) {  // broadcast index of element i of the row
    int64_t rest = i, off = 0, stride = 1;
    for (size_t d = row.size(); d-- > 0;) {
      const int64_t idx = rest % row[d];
      rest /= row[d];
      if (s[d] != 1) off += idx * stride;
      stride *= s[d];
    }
    (*out)[i] = vals[off];
  }
  return true;
}

bool lower_layer_norm(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  const int x = n.inputs[0], y = n.outputs[0];
  if (g.value(x).dtype != DType::f32 || g.value(y).dtype != DType::f32) return *why = "float32 only", false;
  if (n.outputs.size() > 1) return *why = "Mean/InvStdDev outputs", false;
  const Shape& s = g.value(x).shape;
  const int axis = normalize_axis(n.attrs.i("axis", -1), static_cast<int>(s.size()));
  const Shape row(s.begin() + axis, s.end());
  std::vector<double> scale, bias;
  if (!row_param(g, n, 1, row, 1.0, &scale) || !row_param(g, n, 2, row, 0.0, &bias))
    return *why = "Scale/B computed at run time", false;
  const int64_t len = shape_numel(row), rows = len ? shape_numel(s) / len : 0;
  if (len == 0) return *why = "empty rows", false;
  const double eps = n.attrs.f("epsilon", 1e-5);
  const int xs = c.as_plain(x);
  c.define(y, c.plain_md(y), false);
  c.add(host_step(n.name, {xs}, {y}, [=](const std::vector<void*>& ptr) {
    const float* src = static_cast<const float*>(ptr[xs]);
    float* dst = static_cast<float*>(ptr[y]);
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const float* p = src + r * len;
      float* q = dst + r * len;
      double m = 0, v = 0;
      for (int64_t i = 0; i < len; ++i) m += p[i];
      m /= static_cast<double>(len);
      for (int64_t i = 0; i < len; ++i) v += (p[i] - m) * (p[i] - m);
      const double inv = 1.0 / std::sqrt(v / static_cast<double>(len) + eps);
      for (int64_t i = 0; i < len; ++i) q[i] = static_cast<float>((p[i] - m) * inv * scale[i] + bias[i]);
    }
  }));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(LayerNormalization, lower_layer_norm);

}  // namespace segrt::cpu
