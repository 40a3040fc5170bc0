// ONNX elementwise ops whose form changed across opsets:
//  * Clip before opset 11 takes min and max as attributes; segrt's Clip takes
//    them as optional inputs, as opset 11+ does.
//  * PRelu before opset 7 applies a 1-D slope of C values per channel (axis
//    1); from 7 the slope broadcasts numpy-style from the right. The old form
//    becomes a slope constant of shape [C, 1, ..., 1] (rank of the input - 1).
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

void translate_prelu(NodeContext& c) {
  const int slope = c.input(1);
  if (c.opset >= 7 || slope < 0 || !c.g.value(slope).is_constant() || c.g.value(slope).constant.rank() != 1 ||
      c.g.value(slope).constant.numel() == 1) {
    c.emit(OpType::PRelu).attrs = c.attrs;
    return;
  }
  const Value& x = c.g.value(c.input(0));
  if (!x.shape_known || x.shape.size() < 2)
    c.unsupported("PRelu with a per-channel slope on an input of unknown rank");
  Shape s(x.shape.size() - 1, 1);
  s[0] = c.g.value(slope).constant.numel();
  const int reshaped = c.g.add_constant(c.g.unique_name(c.name + "/slope"), c.g.value(slope).constant.reshaped(s));
  c.emit(OpType::PRelu, {c.input(0), reshaped}, c.outputs);
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("Clip", translate_clip);
SEGRT_ONNX_TRANSLATOR("PRelu", translate_prelu);

}  // namespace segrt::onnx_import
