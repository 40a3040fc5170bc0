// ONNX Concat and Split across opsets. Concat's axis is optional (default
// 1) before opset 4. Split's part sizes are attribute `split` before 13, an
// input from 13; opset 18's num_outputs stays an attribute (it allows an
// uneven last part, see src/ir/ops/concat.cpp).
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_concat(NodeContext& c) {
  Attrs a = c.attrs;
  if (c.opset < 4 && !a.has("axis")) a.set("axis", int64_t{1});
  c.emit(OpType::Concat).attrs = a;
}

void translate_split(NodeContext& c) {
  Attrs a = c.attrs;
  std::vector<int> in = c.inputs;
  if (c.opset < 13 && a.has("split")) {
    auto sizes = a.ints("split");
    in = {c.input(0)};
    if (!sizes.empty()) in.push_back(c.const_i64("split", sizes));
    a.erase("split");
  }
  if (a.has("num_outputs") && a.i("num_outputs", 0) != static_cast<int64_t>(c.outputs.size()))
    c.unsupported("Split num_outputs=" + std::to_string(a.i("num_outputs", 0)) + " with " +
                  std::to_string(c.outputs.size()) + " outputs");
  c.emit(OpType::Split, in, c.outputs).attrs = a;
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("Concat", translate_concat);
SEGRT_ONNX_TRANSLATOR("Split", translate_split);

}  // namespace segrt::onnx_import
