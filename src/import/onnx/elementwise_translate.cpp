// ONNX elementwise ops whose form changed across opsets:
//  * Clip before opset 11 takes min and max as attributes; segrt's Clip takes
//    them as optional inputs, as opset 11+ does.
//  * PRelu before opset 7 applies a 1-D slope of C values per channel (axis
//    1); from 7 the slope broadcasts numpy-style from the right. The old form
//    becomes a slope constant of shape [C, 1, ..., 1] (rank of the input - 1).
//  * Add, Sub, Mul, Div, Pow before opset 7 broadcast only with broadcast=1,
//    and with `axis` B's dims line up with A's from that axis on rather than
//    from the end: B gets trailing 1s (an Unsqueeze) so numpy rules agree.
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

void translate_legacy_broadcast(NodeContext& c, OpType op) {
  Attrs a = c.attrs;
  std::vector<int> in = c.inputs;
  if (c.opset < 7 && a.i("broadcast", 0) != 0 && a.has("axis") && in.size() == 2) {
    const Value& x = c.g.value(in[0]);
    const Value& b = c.g.value(in[1]);
    if (!x.shape_known || !b.shape_known)
      c.unsupported(c.op_type + " with broadcast=1 and axis on inputs of unknown rank");
    const int ra = static_cast<int>(x.shape.size()), rb = static_cast<int>(b.shape.size());
    int64_t axis = a.i("axis", 0);
    if (axis < 0) axis += ra;
    const int64_t trailing = ra - axis - rb;
    SEGRT_CHECK(axis >= 0 && trailing >= 0, InvalidModel, "broadcast axis ", a.i("axis", 0), " does not fit B ",
                shape_str(b.shape), " into A ", shape_str(x.shape));
    if (trailing > 0) {
      std::vector<int64_t> axes;
      for (int64_t k = 0; k < trailing; ++k) axes.push_back(rb + k);
      const int aligned = c.g.add_value(c.g.unique_name(c.name + "/aligned"), b.dtype);
      c.emit(OpType::Unsqueeze, {in[1], c.const_i64("axes", axes)}, {aligned});
      in[1] = aligned;
    }
  }
  a.erase("broadcast");
  a.erase("axis");
  a.erase("consumed_inputs");
  c.emit(op, in, c.outputs).attrs = a;
}

void translate_add(NodeContext& c) { translate_legacy_broadcast(c, OpType::Add); }
void translate_sub(NodeContext& c) { translate_legacy_broadcast(c, OpType::Sub); }
void translate_mul(NodeContext& c) { translate_legacy_broadcast(c, OpType::Mul); }
void translate_div(NodeContext& c) { translate_legacy_broadcast(c, OpType::Div); }
void translate_pow(NodeContext& c) { translate_legacy_broadcast(c, OpType::Pow); }

}  // namespace

SEGRT_ONNX_TRANSLATOR("Add", translate_add);
SEGRT_ONNX_TRANSLATOR("Sub", translate_sub);
SEGRT_ONNX_TRANSLATOR("Mul", translate_mul);
SEGRT_ONNX_TRANSLATOR("Div", translate_div);
SEGRT_ONNX_TRANSLATOR("Pow", translate_pow);
SEGRT_ONNX_TRANSLATOR("Clip", translate_clip);
SEGRT_ONNX_TRANSLATOR("PRelu", translate_prelu);

}  // namespace segrt::onnx_import
