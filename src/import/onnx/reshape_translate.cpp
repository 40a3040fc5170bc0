// ONNX Reshape before opset 5 and Squeeze / Unsqueeze before opset 13 take
// `shape` / `axes` as attributes; segrt's take them as (constant) inputs, as
// later opsets do.
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_axes_attr(NodeContext& c, OpType op) {
  Attrs a = c.attrs;
  std::vector<int> in = c.inputs;
  if (c.opset < 13 && a.has("axes")) {
    in = {c.input(0), c.const_i64("axes", a.ints("axes"))};
    a.erase("axes");
  }
  c.emit(op, in, c.outputs).attrs = a;
}

void translate_reshape(NodeContext& c) {
  Attrs a = c.attrs;
  std::vector<int> in = c.inputs;
  if (c.opset < 5) {
    if (!a.has("shape")) c.unsupported("Reshape without a shape attribute");
    in = {c.input(0), c.const_i64("shape", a.ints("shape"))};
    a.erase("shape");
  }
  a.erase("consumed_inputs");
  c.emit(OpType::Reshape, in, c.outputs).attrs = a;
}

void translate_squeeze(NodeContext& c) { translate_axes_attr(c, OpType::Squeeze); }
void translate_unsqueeze(NodeContext& c) { translate_axes_attr(c, OpType::Unsqueeze); }

}  // namespace

SEGRT_ONNX_TRANSLATOR("Reshape", translate_reshape);
SEGRT_ONNX_TRANSLATOR("Squeeze", translate_squeeze);
SEGRT_ONNX_TRANSLATOR("Unsqueeze", translate_unsqueeze);

}  // namespace segrt::onnx_import
