// ONNX Slice before opset 10 takes starts, ends and axes as attributes (and
// has no steps); segrt's Slice takes them as inputs, as opset 10+ does.
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_slice(NodeContext& c) {
  if (c.opset >= 10) {
    c.emit(OpType::Slice).attrs = c.attrs;
    return;
  }
  if (!c.attrs.has("starts") || !c.attrs.has("ends")) c.unsupported("Slice without starts or ends attributes");
  std::vector<int> in = {c.input(0), c.const_i64("starts", c.attrs.ints("starts")),
                         c.const_i64("ends", c.attrs.ints("ends"))};
  if (c.attrs.has("axes")) in.push_back(c.const_i64("axes", c.attrs.ints("axes")));
  c.emit(OpType::Slice, in, c.outputs);
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("Slice", translate_slice);

}  // namespace segrt::onnx_import
