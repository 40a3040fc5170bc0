// ONNX Pad onto the canonical IR: opset-2 attributes pads and value become
// the opset-11 inputs; the mode is written out explicitly.
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_pad(NodeContext& c) {
  std::string mode = c.attrs.s("mode", "constant");
  Attrs a;
  a.set("mode", mode);
  if (c.opset >= 11) {
    c.emit(OpType::Pad).attrs = a;
    return;
  }
  if (!c.attrs.has("pads")) c.unsupported("Pad without a pads attribute");
  int pads = c.const_i64("pads", c.attrs.ints("pads"));
  int value = c.const_f32("value", {static_cast<float>(c.attrs.f("value", 0.0))}, {});
  c.emit(OpType::Pad, {c.input(0), pads, value}, c.outputs).attrs = a;
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("Pad", translate_pad);

}  // namespace segrt::onnx_import
