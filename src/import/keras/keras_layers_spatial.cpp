// Keras normalisation, pooling, resampling, padding and cropping layers.
// Channels_last tensors stay NHWC: pooling and BatchNormalization carry
// layout = "NHWC"; Resize / Pad / Slice are written on the NHWC axes.
#include <limits>

#include "import/keras/keras_translate.h"

namespace segrt::keras {

namespace {

std::string layout_of(const LayerContext& c) { return c.channels_last() ? "NHWC" : "NCHW"; }

// Axes (batch included) of the spatial dims of a rank-(nd+2) tensor.
std::vector<int64_t> spatial_axes(const LayerContext& c, size_t nd) {
  std::vector<int64_t> axes;
  for (size_t i = 0; i < nd; ++i) axes.push_back(static_cast<int64_t>(i) + (c.channels_last() ? 1 : 2));
  return axes;
}

void check_rank(LayerContext& c, size_t nd) {
  if (c.rank(0) != static_cast<int>(nd) + 2)
    c.invalid("expects a rank-" + std::to_string(nd + 2) + " input, the model gives rank " + std::to_string(c.rank(0)));
}

// BatchNormalization with the file's epsilon on the channel axis (the last
// one for channels_last: layout NHWC; axis 1: NCHW). gamma/beta are absent
// when scale/center are false.
std::vector<int> translate_batchnorm(LayerContext& c) {
  c.expect_inputs(1, 1);
  int r = c.rank(0);
  int64_t axis = c.get_int("axis", -1);
  if (axis < 0) axis += r;
  bool scale = c.get_bool("scale", true), center = c.get_bool("center", true);
  std::vector<std::string> names;
  if (scale) names.push_back("gamma");
  if (center) names.push_back("beta");
  names.push_back("moving_mean");
  names.push_back("moving_variance");
  auto w = c.take_weights(names);
  int64_t ch = w.back().numel();
  for (size_t i = 0; i < w.size(); ++i) c.check_shape(w[i], names[i], {ch});
  Tensor gamma = scale ? w[0] : Tensor::from_vector(std::vector<float>(static_cast<size_t>(ch), 1.f), {ch});
  Tensor beta = center ? w[scale ? 1 : 0] : Tensor(DType::f32, {ch});
  Attrs a;
  a.set("epsilon", c.get_float("epsilon", 1e-3));
  if (axis == r - 1 && r >= 3) a.set("layout", "NHWC");
  else if (axis == 1) a.set("layout", "NCHW");
  else c.unsupported("normalisation axis " + std::to_string(axis) + " of a rank-" + std::to_string(r) + " tensor");
  return {c.emit(OpType::BatchNormalization,
                 {c.input(0), c.constant("gamma", gamma), c.constant("beta", beta),
                  c.constant("moving_mean", w[w.size() - 2]), c.constant("moving_variance", w.back())},
                 "batchnorm", a)};
}

// Max/AveragePooling{1,2}D. TF 'same' = SAME_UPPER; its average counts only
// the valid pixels under the window (count_include_pad = 0).
std::vector<int> translate_pool(LayerContext& c, size_t nd, bool is_max) {
  c.expect_inputs(1, 1);
  check_rank(c, nd);
  auto pool = c.get_ints("pool_size", nd, {2});
  auto strides = c.has("strides") ? c.get_ints("strides", nd) : pool;
  std::string padding = c.get_str("padding", "valid");
  Attrs a;
  a.set("kernel_shape", pool);
  a.set("strides", strides);
  a.set("layout", layout_of(c));
  if (padding == "valid") a.set("pads", std::vector<int64_t>(2 * nd, 0));
  else if (padding == "same") a.set("auto_pad", "SAME_UPPER");
  else c.unsupported("padding '" + padding + "'");
  if (!is_max) a.set("count_include_pad", int64_t{0});
  return {c.emit(is_max ? OpType::MaxPool : OpType::AveragePool, {c.input(0)}, is_max ? "maxpool" : "avgpool", a)};
}

std::vector<int> translate_global_pool(LayerContext& c, size_t nd, bool is_max) {
  c.expect_inputs(1, 1);
  check_rank(c, nd);
  Attrs a;
  a.set("layout", layout_of(c));
  int y = c.emit(is_max ? OpType::GlobalMaxPool : OpType::GlobalAveragePool, {c.input(0)}, "pool", a);
  if (c.get_bool("keepdims", false)) return {y};
  Attrs f;
  f.set("axis", int64_t{1});
  c.out_rank = 2;
  return {c.emit(OpType::Flatten, {y}, "flatten", f)};  // [N,1,1,C] or [N,C,1,1] -> [N,C]
}

std::vector<int> translate_maxpool1d(LayerContext& c) { return translate_pool(c, 1, true); }
std::vector<int> translate_maxpool2d(LayerContext& c) { return translate_pool(c, 2, true); }
std::vector<int> translate_avgpool1d(LayerContext& c) { return translate_pool(c, 1, false); }
std::vector<int> translate_avgpool2d(LayerContext& c) { return translate_pool(c, 2, false); }
std::vector<int> translate_gmaxpool1d(LayerContext& c) { return translate_global_pool(c, 1, true); }
std::vector<int> translate_gmaxpool2d(LayerContext& c) { return translate_global_pool(c, 2, true); }
std::vector<int> translate_gavgpool1d(LayerContext& c) { return translate_global_pool(c, 1, false); }
std::vector<int> translate_gavgpool2d(LayerContext& c) { return translate_global_pool(c, 2, false); }

// UpSampling{1,2}D by integer factors. nearest: out[i] = in[floor(i / s)]
// (asymmetric + floor). bilinear: TF2's resize (half_pixel) or TF1's
// resize_bilinear (asymmetric), by the file's Keras version (docs/keras.md).
std::vector<int> translate_upsampling(LayerContext& c, size_t nd) {
  c.expect_inputs(1, 1);
  check_rank(c, nd);
  auto size = c.get_ints("size", nd, {2});
  std::string interp = c.get_str("interpolation", "nearest");
  std::vector<float> scales(nd + 2, 1.f);
  auto axes = spatial_axes(c, nd);
  for (size_t i = 0; i < nd; ++i) scales[static_cast<size_t>(axes[i])] = static_cast<float>(size[i]);
  Attrs a;
  a.set("cubic_coeff_a", -0.75);
  a.set("exclude_outside", int64_t{0});
  a.set("extrapolation_value", 0.0);
  a.set("nearest_mode", "floor");
  if (interp == "nearest") {
    a.set("mode", "nearest");
    a.set("coordinate_transformation_mode", "asymmetric");
  } else if (interp == "bilinear") {
    a.set("mode", "linear");
    a.set("coordinate_transformation_mode", c.version.bilinear_half_pixel() ? "half_pixel" : "asymmetric");
  } else {
    c.unsupported("interpolation '" + interp + "' (nearest and bilinear are supported)");
  }
  int sc = c.const_f32("scales", scales, {static_cast<int64_t>(scales.size())});
  return {c.emit(OpType::Resize, {c.input(0), -1, sc}, "resize", a)};
}

std::vector<int> translate_upsampling1d(LayerContext& c) { return translate_upsampling(c, 1); }
std::vector<int> translate_upsampling2d(LayerContext& c) { return translate_upsampling(c, 2); }

// Resizing (preprocessing layer) to a fixed height x width with TF2's
// tf.image.resize: bilinear = half_pixel; nearest = half_pixel sampling
// floor((i + 0.5) * in/out) = ONNX round_prefer_ceil. The sizes input is
// built from Shape(x) (batch and channels) and folds to a constant once the
// input shape is known.
std::vector<int> translate_resizing(LayerContext& c) {
  c.expect_inputs(1, 1);
  check_rank(c, 2);
  if (c.get_bool("crop_to_aspect_ratio", false) || c.get_bool("pad_to_aspect_ratio", false))
    c.unsupported("crop_to_aspect_ratio / pad_to_aspect_ratio");
  int64_t h = c.get_int("height", -1), w = c.get_int("width", -1);
  if (h <= 0 || w <= 0) c.invalid("height and width must be positive");
  std::string interp = c.get_str("interpolation", "bilinear");
  Attrs a;
  a.set("cubic_coeff_a", -0.75);
  a.set("exclude_outside", int64_t{0});
  a.set("extrapolation_value", 0.0);
  a.set("coordinate_transformation_mode", "half_pixel");
  a.set("nearest_mode", "round_prefer_ceil");
  if (interp == "bilinear") a.set("mode", "linear");
  else if (interp == "nearest") a.set("mode", "nearest");
  else c.unsupported("interpolation '" + interp + "' (nearest and bilinear are supported)");
  int shape = c.emit(OpType::Shape, {c.input(0)}, "shape");
  auto dim = [&](int64_t axis, const char* what) {
    return c.emit(OpType::Slice, {shape, c.const_i64(std::string(what) + "_start", {axis}),
                                  c.const_i64(std::string(what) + "_end", {axis + 1})},
                  what);
  };
  int n = dim(0, "batch");
  int ch = dim(c.channels_last() ? 3 : 1, "channels");
  int hw = c.const_i64("hw", {h, w});
  Attrs cat;
  cat.set("axis", int64_t{0});
  int sizes = c.emit(OpType::Concat, c.channels_last() ? std::vector<int>{n, hw, ch} : std::vector<int>{n, ch, hw},
                     "sizes", cat);
  return {c.emit(OpType::Resize, {c.input(0), -1, -1, sizes}, "resize", a)};
}

// ZeroPadding/Cropping configs: an int, a (sym_h, sym_w) pair, or ((top, bottom), (left, right)).
std::vector<std::pair<int64_t, int64_t>> before_after(LayerContext& c, const char* key, size_t nd) {
  std::vector<std::pair<int64_t, int64_t>> out;
  if (!c.has(key)) c.invalid(std::string("config '") + key + "' is missing");
  const Json& v = c.cfg()[key];
  auto as_int = [&](const Json& e) -> int64_t {
    if (!e.is_number_integer() || e.get<int64_t>() < 0) c.invalid(std::string("config '") + key + "' is malformed: " + v.dump());
    return e.get<int64_t>();
  };
  if (v.is_number_integer()) return std::vector<std::pair<int64_t, int64_t>>(nd, {as_int(v), as_int(v)});
  if (!v.is_array()) c.invalid(std::string("config '") + key + "' is malformed: " + v.dump());
  if (nd == 1 && v.size() == 2 && v[0].is_number_integer()) return {{as_int(v[0]), as_int(v[1])}};
  if (v.size() != nd) c.invalid(std::string("config '") + key + "' is malformed: " + v.dump());
  for (const auto& e : v) {
    if (e.is_number_integer()) out.push_back({as_int(e), as_int(e)});
    else if (e.is_array() && e.size() == 2) out.push_back({as_int(e[0]), as_int(e[1])});
    else c.invalid(std::string("config '") + key + "' is malformed: " + v.dump());
  }
  return out;
}

std::vector<int> translate_zero_padding(LayerContext& c, size_t nd) {
  c.expect_inputs(1, 1);
  check_rank(c, nd);
  auto p = before_after(c, "padding", nd);
  std::vector<int64_t> pads(2 * (nd + 2), 0);
  auto axes = spatial_axes(c, nd);
  for (size_t i = 0; i < nd; ++i) {
    pads[static_cast<size_t>(axes[i])] = p[i].first;
    pads[static_cast<size_t>(axes[i]) + nd + 2] = p[i].second;
  }
  Attrs a;
  a.set("mode", "constant");
  return {c.emit(OpType::Pad, {c.input(0), c.const_i64("pads", pads)}, "pad", a)};
}

std::vector<int> translate_cropping(LayerContext& c, size_t nd) {
  c.expect_inputs(1, 1);
  check_rank(c, nd);
  auto cr = before_after(c, "cropping", nd);
  std::vector<int64_t> starts, ends;
  for (auto [b, e] : cr) {
    starts.push_back(b);
    ends.push_back(e > 0 ? -e : std::numeric_limits<int64_t>::max());
  }
  return {c.emit(OpType::Slice,
                 {c.input(0), c.const_i64("starts", starts), c.const_i64("ends", ends),
                  c.const_i64("axes", spatial_axes(c, nd))},
                 "crop")};
}

std::vector<int> translate_zero_padding1d(LayerContext& c) { return translate_zero_padding(c, 1); }
std::vector<int> translate_zero_padding2d(LayerContext& c) { return translate_zero_padding(c, 2); }
std::vector<int> translate_cropping1d(LayerContext& c) { return translate_cropping(c, 1); }
std::vector<int> translate_cropping2d(LayerContext& c) { return translate_cropping(c, 2); }

}  // namespace

SEGRT_KERAS_LAYER("BatchNormalization", translate_batchnorm);
SEGRT_KERAS_LAYER("MaxPooling1D", translate_maxpool1d);
SEGRT_KERAS_LAYER("MaxPooling2D", translate_maxpool2d);
SEGRT_KERAS_LAYER("MaxPool1D", translate_maxpool1d);
SEGRT_KERAS_LAYER("MaxPool2D", translate_maxpool2d);
SEGRT_KERAS_LAYER("AveragePooling1D", translate_avgpool1d);
SEGRT_KERAS_LAYER("AveragePooling2D", translate_avgpool2d);
SEGRT_KERAS_LAYER("AvgPool1D", translate_avgpool1d);
SEGRT_KERAS_LAYER("AvgPool2D", translate_avgpool2d);
SEGRT_KERAS_LAYER("GlobalMaxPooling1D", translate_gmaxpool1d);
SEGRT_KERAS_LAYER("GlobalMaxPooling2D", translate_gmaxpool2d);
SEGRT_KERAS_LAYER("GlobalAveragePooling1D", translate_gavgpool1d);
SEGRT_KERAS_LAYER("GlobalAveragePooling2D", translate_gavgpool2d);
SEGRT_KERAS_LAYER("GlobalMaxPool2D", translate_gmaxpool2d);
SEGRT_KERAS_LAYER("GlobalAvgPool2D", translate_gavgpool2d);
SEGRT_KERAS_LAYER("UpSampling1D", translate_upsampling1d);
SEGRT_KERAS_LAYER("UpSampling2D", translate_upsampling2d);
SEGRT_KERAS_LAYER("Resizing", translate_resizing);
SEGRT_KERAS_LAYER("ZeroPadding1D", translate_zero_padding1d);
SEGRT_KERAS_LAYER("ZeroPadding2D", translate_zero_padding2d);
SEGRT_KERAS_LAYER("Cropping1D", translate_cropping1d);
SEGRT_KERAS_LAYER("Cropping2D", translate_cropping2d);

}  // namespace segrt::keras
