// Translators for the ops added for ONNX coverage (issue 15) whose form
// changed across opsets: TopK's K (attribute before opset 10), Hardmax's
// axis semantics (flatten-to-2-D before 13, as Softmax), EyeLike's dtype code,
// Scatter (opsets 9-10, renamed ScatterElements in 11) and GridSample's mode
// names (opset 20 renamed bilinear/bicubic to linear/cubic; segrt keeps 20's)
// RoiAlign's coordinate mode (implicit before opset 16) and the window
// generators' output_datatype code, DFT's axis (an input from opset 20).
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_topk(NodeContext& c) {
  Attrs a = c.attrs;
  int k = c.input(1);
  if (c.opset < 10) {
    if (!a.has("k")) c.unsupported("TopK without a k attribute");
    k = c.const_i64("k", {a.i("k", 0)});
    a.erase("k");
  }
  c.emit(OpType::TopK, {c.input(0), k}, c.outputs).attrs = a;
}

void translate_hardmax(NodeContext& c) {
  Attrs a = c.attrs;
  if (c.opset < 13) {
    a.set("axis", a.i("axis", 1));
    a.set("legacy_flatten", int64_t{1});
  }
  c.emit(OpType::Hardmax).attrs = a;
}

void translate_eye_like(NodeContext& c) {
  Attrs a = c.attrs;
  if (a.has("dtype")) {
    const int code = static_cast<int>(a.i("dtype", 1));
    DType t;
    if (!dtype_from_onnx(code, &t)) c.unsupported("EyeLike dtype " + onnx_dtype_name(code));
    a.set("dtype", std::string(dtype_name(t)));
  }
  c.emit(OpType::EyeLike).attrs = a;
}

// The window generators name their element type by TensorProto code.
void translate_window(NodeContext& c) {
  Attrs a = c.attrs;
  const int code = static_cast<int>(a.i("output_datatype", 1));
  DType t;
  if (!dtype_from_onnx(code, &t)) c.unsupported(c.op_type + " output_datatype " + onnx_dtype_name(code));
  a.erase("output_datatype");
  a.set("dtype", std::string(dtype_name(t)));
  OpType op;
  op_from_name(c.op_type, &op);
  c.emit(op).attrs = a;
}

// DFT-20 takes the axis as its third input (default -2); 17 as an attribute (default 1).
void translate_dft(NodeContext& c) {
  Attrs a = c.attrs;
  if (c.opset >= 20) {
    int64_t axis = -2;
    if (c.input(2) >= 0) {
      const Value& v = c.g.value(c.input(2));
      if (!v.is_constant()) c.unsupported("DFT axis computed at run time");
      axis = v.constant.to_i64_vector().at(0);
    }
    a.set("axis", axis);
  }
  c.emit(OpType::DFT, {c.input(0), c.input(1)}, c.outputs).attrs = a;
}

void translate_scatter(NodeContext& c) { c.emit(OpType::ScatterElements).attrs = c.attrs; }

void translate_grid_sample(NodeContext& c) {
  Attrs a = c.attrs;
  std::string mode = a.s("mode", c.opset < 20 ? "bilinear" : "linear");
  if (mode == "bilinear") mode = "linear";
  if (mode == "bicubic") mode = "cubic";
  a.set("mode", mode);
  c.emit(OpType::GridSample).attrs = a;
}

// RoiAlign-10 sampled with output_half_pixel; 16 made half_pixel the default.
void translate_roi_align(NodeContext& c) {
  Attrs a = c.attrs;
  if (!a.has("coordinate_transformation_mode"))
    a.set("coordinate_transformation_mode", c.opset < 16 ? "output_half_pixel" : "half_pixel");
  c.emit(OpType::RoiAlign).attrs = a;
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("RoiAlign", translate_roi_align);
SEGRT_ONNX_TRANSLATOR("TopK", translate_topk);
SEGRT_ONNX_TRANSLATOR("Hardmax", translate_hardmax);
SEGRT_ONNX_TRANSLATOR("EyeLike", translate_eye_like);
SEGRT_ONNX_TRANSLATOR("Scatter", translate_scatter);
SEGRT_ONNX_TRANSLATOR("DFT", translate_dft);
SEGRT_ONNX_TRANSLATOR("HannWindow", translate_window);
SEGRT_ONNX_TRANSLATOR("HammingWindow", translate_window);
SEGRT_ONNX_TRANSLATOR("BlackmanWindow", translate_window);
SEGRT_ONNX_TRANSLATOR("GridSample", translate_grid_sample);

}  // namespace segrt::onnx_import
