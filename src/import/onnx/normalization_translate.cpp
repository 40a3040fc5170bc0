// ONNX BatchNormalization (opsets 6-15) onto the canonical inference form:
// spatial=0 and training_mode=1 are refused by name; is_test, momentum and
// spatial=1 carry no meaning at inference and are dropped.
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

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

SEGRT_ONNX_TRANSLATOR("BatchNormalization", translate_batch_norm);

}  // namespace segrt::onnx_import
