// ONNX Resize (opsets 10, 11, 13, 18) and Upsample (opsets 7, 9) onto the
// canonical Resize: inputs X, roi, scales, sizes (-1 when absent or empty)
// and every mode attribute written out explicitly.
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

// The opset-13 defaults, so the IR never depends on a reader's defaults.
void set_resize_defaults(Attrs& a) {
  if (!a.has("mode")) a.set("mode", "nearest");
  if (!a.has("coordinate_transformation_mode")) a.set("coordinate_transformation_mode", "half_pixel");
  if (!a.has("nearest_mode")) a.set("nearest_mode", "round_prefer_floor");
  if (!a.has("cubic_coeff_a")) a.set("cubic_coeff_a", -0.75);
  if (!a.has("exclude_outside")) a.set("exclude_outside", int64_t{0});
  if (!a.has("extrapolation_value")) a.set("extrapolation_value", 0.0);
}

// An input given as an empty constant (exporters write "" or a [0] tensor) counts as absent.
int drop_empty(const NodeContext& c, size_t i) {
  int id = c.input(i);
  if (id >= 0 && c.g.value(id).is_constant() && c.g.value(id).constant.numel() == 0) return -1;
  return id;
}

// Upsample and Resize-10 scale by floor(x_out / scale): asymmetric coordinates, floor rounding.
void emit_scale_only(NodeContext& c, int scales) {
  std::string mode = c.attrs.s("mode", "nearest");
  if (mode == "bilinear") mode = "linear";  // Upsample-1's name for it
  if (mode != "nearest" && mode != "linear") c.unsupported(c.op_type + " mode '" + mode + "'");
  Attrs a;
  a.set("mode", mode);
  a.set("coordinate_transformation_mode", "asymmetric");
  a.set("nearest_mode", "floor");
  set_resize_defaults(a);
  c.emit(OpType::Resize, {c.input(0), -1, scales, -1}, c.outputs).attrs = a;
}

void translate_upsample(NodeContext& c) {
  int scales = c.input(1);
  if (c.opset < 9) {
    if (!c.attrs.has("scales")) c.unsupported("Upsample without a scales attribute");
    std::vector<float> s;
    for (double v : c.attrs.floats("scales")) s.push_back(static_cast<float>(v));
    scales = c.const_f32("scales", s, {static_cast<int64_t>(s.size())});
  }
  if (scales < 0) c.unsupported("Upsample without scales");
  emit_scale_only(c, scales);
}

void translate_resize(NodeContext& c) {
  if (c.opset < 11) return emit_scale_only(c, c.input(1));
  Attrs a = c.attrs;
  set_resize_defaults(a);
  if (a.i("antialias", 0) != 0) c.unsupported("Resize antialias=1");
  std::vector<int> in{c.input(0), drop_empty(c, 1), drop_empty(c, 2), drop_empty(c, 3)};
  if (a.s("coordinate_transformation_mode", "") != "tf_crop_and_resize") in[1] = -1;  // roi only matters there
  c.emit(OpType::Resize, in, c.outputs).attrs = a;
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("Resize", translate_resize);
SEGRT_ONNX_TRANSLATOR("Upsample", translate_upsample);

}  // namespace segrt::onnx_import
