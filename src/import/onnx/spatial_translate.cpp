// ONNX Pad (opset 2 attributes -> opset-11 inputs) and BatchNormalization
// (opsets 6-15: spatial, is_test, training_mode) onto the canonical IR.
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

void translate_batch_norm(NodeContext& c) {
  if (c.attrs.i("training_mode", 0) != 0) c.unsupported("BatchNormalization training_mode=1 (inference only)");
  if (c.attrs.i("spatial", 1) != 1)
    c.unsupported("BatchNormalization spatial=0 (per-activation statistics)");
  // Before opset 9 an inference model may still name the running-statistics
  // outputs; only Y is produced (a node reading the others fails at load).
  Attrs a;
  a.set("epsilon", c.attrs.f("epsilon", 1e-5));
  c.emit(OpType::BatchNormalization, c.inputs, {c.outputs[0]}).attrs = a;
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("Pad", translate_pad);
SEGRT_ONNX_TRANSLATOR("BatchNormalization", translate_batch_norm);

}  // namespace segrt::onnx_import
