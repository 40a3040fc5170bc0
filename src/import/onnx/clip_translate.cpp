// ONNX Clip before opset 11 takes min and max as attributes; segrt's Clip
// takes them as optional inputs, as opset 11+ does.
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_clip(NodeContext& c) {
  if (c.opset >= 11) {
    c.emit(OpType::Clip).attrs = c.attrs;
    return;
  }
  std::vector<int> in = {c.input(0), -1, -1};
  if (c.attrs.has("min")) in[1] = c.const_f32("min", {static_cast<float>(c.attrs.f("min", 0))}, {});
  if (c.attrs.has("max")) in[2] = c.const_f32("max", {static_cast<float>(c.attrs.f("max", 0))}, {});
  while (in.size() > 1 && in.back() < 0) in.pop_back();
  c.emit(OpType::Clip, in, c.outputs);
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("Clip", translate_clip);

}  // namespace segrt::onnx_import
