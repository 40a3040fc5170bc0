// Resize output sizes, coordinate transformations and rounding (see resize_util.h).
#include "ir/ops/resize_util.h"

#include <algorithm>
#include <cmath>

#include "ir/graph.h"

namespace segrt {

namespace {

bool given(const Tensor* t) { return t && t->numel() > 0; }

void check_one_of(const std::string& what, const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (v == a) return;
  std::string list;
  for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
  SEGRT_FAIL(Unsupported, what, " '", v, "' (supported: ", list, ")");
}

// A computed output size as int64: a model's scale can ask for 1e30 pixels
// (or Inf), which no conversion may wrap (undefined behaviour) into a size.
int64_t size_from(double v) {
  SEGRT_CHECK(std::isfinite(v) && v < 9.0e18, InvalidModel, "Resize output size ", v, " is past 2^63");
  return static_cast<int64_t>(v);
}

}  // namespace

ResizeParams resize_params(const Attrs& a, const Shape& x, const Tensor* roi, const Tensor* scales,
                           const Tensor* sizes) {
  ResizeParams p;
  const size_t r = x.size();
  p.mode = a.s("mode", "nearest");
  p.coord_mode = a.s("coordinate_transformation_mode", "half_pixel");
  p.nearest_mode = a.s("nearest_mode", "round_prefer_floor");
  p.cubic_coeff_a = a.f("cubic_coeff_a", -0.75);
  p.exclude_outside = a.i("exclude_outside", 0) != 0;
  p.extrapolation_value = a.f("extrapolation_value", 0.0);
  check_one_of("Resize mode", p.mode, {"nearest", "linear", "cubic"});
  check_one_of("Resize coordinate_transformation_mode", p.coord_mode,
               {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn",
                "tf_crop_and_resize", "half_pixel_symmetric"});
  check_one_of("Resize nearest_mode", p.nearest_mode, {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"});
  SEGRT_CHECK(a.i("antialias", 0) == 0, Unsupported, "Resize antialias=1");

  // Opset 18: scales / sizes may cover only the listed axes.
  std::vector<int> axes;
  for (int64_t ax : a.ints("axes")) {
    int64_t v = ax < 0 ? ax + static_cast<int64_t>(r) : ax;
    SEGRT_CHECK(v >= 0 && v < static_cast<int64_t>(r), InvalidModel, "Resize axis ", ax, " out of range for rank ", r);
    axes.push_back(static_cast<int>(v));
  }
  if (axes.empty())
    for (size_t i = 0; i < r; ++i) axes.push_back(static_cast<int>(i));

  p.roi_start.assign(r, 0.0);
  p.roi_end.assign(r, 1.0);
  if (p.coord_mode == "tf_crop_and_resize" && given(roi)) {
    auto v = roi->to_f64_vector();
    SEGRT_CHECK(v.size() == 2 * axes.size(), InvalidModel, "Resize roi has ", v.size(), " values, expected ",
                2 * axes.size());
    for (size_t i = 0; i < axes.size(); ++i) {
      p.roi_start[axes[i]] = v[i];
      p.roi_end[axes[i]] = v[i + axes.size()];
    }
  }

  SEGRT_CHECK(given(scales) != given(sizes), InvalidModel, "Resize needs exactly one of scales and sizes (got ",
              given(scales) ? "both" : "neither", ")");
  p.scales.assign(r, 1.0);
  p.out = x;
  if (given(scales)) {
    auto v = scales->to_f64_vector();
    SEGRT_CHECK(v.size() == axes.size(), InvalidModel, "Resize scales has ", v.size(), " values for ", axes.size(),
                " axes");
    for (size_t i = 0; i < axes.size(); ++i) {
      int ax = axes[i];
      SEGRT_CHECK(v[i] > 0, InvalidModel, "Resize scale ", v[i], " must be positive");
      p.scales[ax] = v[i];
      double len = static_cast<double>(x[ax]);
      if (p.coord_mode == "tf_crop_and_resize") len *= p.roi_end[ax] - p.roi_start[ax];
      p.out[ax] = size_from(std::floor(len * v[i]));
    }
  } else {
    auto v = sizes->to_i64_vector();
    SEGRT_CHECK(v.size() == axes.size(), InvalidModel, "Resize sizes has ", v.size(), " values for ", axes.size(),
                " axes");
    std::string policy = a.s("keep_aspect_ratio_policy", "stretch");
    double aspect_scale = 1.0;
    check_one_of("Resize keep_aspect_ratio_policy", policy, {"stretch", "not_larger", "not_smaller"});
    if (policy == "stretch") {
      for (size_t i = 0; i < axes.size(); ++i) p.out[axes[i]] = v[i];
    } else {  // one scale for all listed axes, the smallest (not_larger) or largest (not_smaller)
      double& s = aspect_scale;
      s = policy == "not_larger" ? 1e300 : 0.0;
      for (size_t i = 0; i < axes.size(); ++i) {
        double si = static_cast<double>(v[i]) / static_cast<double>(x[axes[i]]);
        s = policy == "not_larger" ? std::min(s, si) : std::max(s, si);
      }
      for (int ax : axes) p.out[ax] = size_from(std::round(s * static_cast<double>(x[ax])));
    }
    for (int ax : axes) {
      SEGRT_CHECK(x[ax] > 0, InvalidModel, "Resize of an empty axis to a given size");
      p.scales[ax] = static_cast<double>(p.out[ax]) / static_cast<double>(x[ax]);
    }
    if (policy != "stretch")  // coordinates follow the one scale, not the rounded sizes (ONNX reference, ORT)
      for (int ax : axes) p.scales[ax] = aspect_scale;
  }
  for (size_t i = 0; i < r; ++i)
    SEGRT_CHECK(p.out[i] >= 0, InvalidModel, "Resize output size ", p.out[i], " is negative");
  return p;
}

bool constant_resize_params(const Graph& g, const Node& n, ResizeParams* p) {
  auto in = [&](size_t i) -> const Tensor* {
    if (i >= n.inputs.size() || n.inputs[i] < 0) return nullptr;
    const Value& v = g.value(n.inputs[i]);
    return v.is_constant() ? &v.constant : nullptr;
  };
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (n.inputs[i] >= 0 && !in(i)) return false;
  *p = resize_params(n.attrs, g.value(n.inputs[0]).shape, in(1), in(2), in(3));
  return true;
}

double resize_source_coord(const std::string& m, double x, double scale, int64_t len_in, double roi_start,
                           double roi_end) {
  const double len_out = static_cast<double>(len_in) * scale;
  if (m == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (m == "half_pixel_symmetric") {  // opset 19: centred when the output size was rounded down
    const double out_int = std::floor(len_out + 1e-9);
    const double offset = static_cast<double>(len_in) / 2 * (1 - out_int / len_out);
    return offset + (x + 0.5) / scale - 0.5;
  }
  if (m == "pytorch_half_pixel") return len_out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (m == "align_corners")
    return len_out == 1 ? 0.0 : x * static_cast<double>(len_in - 1) / (len_out - 1);
  if (m == "asymmetric") return x / scale;
  if (m == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (m == "tf_crop_and_resize") {
    double span = static_cast<double>(len_in - 1);
    return len_out > 1 ? roi_start * span + x * (roi_end - roi_start) * span / (len_out - 1)
                       : 0.5 * (roi_start + roi_end) * span;
  }
  SEGRT_FAIL(Unsupported, "Resize coordinate_transformation_mode '", m, "'");
}

int64_t resize_nearest_index(const std::string& m, double x) {
  if (m == "round_prefer_floor") return static_cast<int64_t>(std::ceil(x - 0.5));
  if (m == "round_prefer_ceil") return static_cast<int64_t>(std::floor(x + 0.5));
  if (m == "floor") return static_cast<int64_t>(std::floor(x));
  if (m == "ceil") return static_cast<int64_t>(std::ceil(x));
  SEGRT_FAIL(Unsupported, "Resize nearest_mode '", m, "'");
}

void resize_cubic_weights(double t, double A, double w[4]) {
  // Keys' cubic convolution kernel at distances 1+t, t, 1-t, 2-t.
  auto near = [A](double s) { return ((A + 2) * s - (A + 3)) * s * s + 1; };          // |s| <= 1
  auto far = [A](double s) { return ((A * s - 5 * A) * s + 8 * A) * s - 4 * A; };     // 1 < |s| < 2
  w[0] = far(1 + t);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

ResizeAxisTaps resize_axis_taps(const ResizeParams& p, int axis, int64_t len_in) {
  const int64_t len_out = p.out[axis];
  ResizeAxisTaps t;
  t.index.assign(static_cast<size_t>(len_out) * 4, 0);
  t.weight.assign(static_cast<size_t>(len_out) * 4, 0.0);
  t.count.assign(static_cast<size_t>(len_out), 0);
  auto clamp = [&](int64_t i) { return std::min(std::max<int64_t>(i, 0), len_in - 1); };
  for (int64_t o = 0; o < len_out; ++o) {
    double x = resize_source_coord(p.coord_mode, static_cast<double>(o), p.scales[axis], len_in, p.roi_start[axis],
                                   p.roi_end[axis]);
    if (p.coord_mode == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(len_in - 1))) continue;
    int k = 0;
    auto add = [&](int64_t i, double w) {
      t.index[o * 4 + k] = clamp(i);
      t.weight[o * 4 + k] = w;
      ++k;
    };
    if (p.mode == "nearest") {
      add(resize_nearest_index(p.nearest_mode, x), 1.0);
    } else if (p.mode == "linear") {
      double xc = std::min(std::max(x, 0.0), static_cast<double>(len_in - 1));
      int64_t i0 = static_cast<int64_t>(std::floor(xc));
      double f = xc - static_cast<double>(i0);
      add(i0, 1.0 - f);
      if (f > 0) add(i0 + 1, f);
    } else {  // cubic
      int64_t i0 = static_cast<int64_t>(std::floor(x));
      double w[4], sum = 0;
      resize_cubic_weights(x - static_cast<double>(i0), p.cubic_coeff_a, w);
      for (int j = 0; j < 4; ++j) {
        int64_t i = i0 - 1 + j;
        if (p.exclude_outside && (i < 0 || i >= len_in)) continue;
        add(i, w[j]);
        sum += w[j];
      }
      if (p.exclude_outside && sum != 0)
        for (int j = 0; j < k; ++j) t.weight[o * 4 + j] /= sum;
    }
    t.count[o] = static_cast<uint8_t>(k);
  }
  return t;
}

}  // namespace segrt
