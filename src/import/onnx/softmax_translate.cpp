// ONNX Softmax / LogSoftmax before opset 13 coerce the input to 2-D at `axis`
// (default 1) and normalise over everything from axis on; 13+ normalise over
// one axis (default -1). Old semantics become legacy_flatten=1 (docs/design.md).
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_softmax_family(NodeContext& c, OpType op) {
  Attrs a = c.attrs;
  if (c.opset < 13) {
    a.set("axis", a.i("axis", 1));
    a.set("legacy_flatten", int64_t{1});
  }
  c.emit(op).attrs = a;
}

void translate_softmax(NodeContext& c) { translate_softmax_family(c, OpType::Softmax); }
void translate_log_softmax(NodeContext& c) { translate_softmax_family(c, OpType::LogSoftmax); }

}  // namespace

SEGRT_ONNX_TRANSLATOR("Softmax", translate_softmax);
SEGRT_ONNX_TRANSLATOR("LogSoftmax", translate_log_softmax);

}  // namespace segrt::onnx_import
