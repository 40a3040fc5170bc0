// ONNX ReduceMean from opset 18 takes `axes` as an input; segrt keeps the
// opset-17 attribute, so the input must be known at load (an initializer or
// a Constant node).
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

// The value of `id` when the file fixes it: an initializer or a Constant node's output.
bool load_time_ints(const Graph& g, int id, std::vector<int64_t>* out) {
  const Value& v = g.value(id);
  if (v.is_constant()) {
    *out = v.constant.to_i64_vector();
    return true;
  }
  if (v.producer < 0 || g.nodes[v.producer].op != OpType::Constant) return false;
  const Attrs& a = g.nodes[v.producer].attrs;
  if (const Tensor* t = a.tensor("value")) *out = t->to_i64_vector();
  else if (a.has("value_ints")) *out = a.ints("value_ints");
  else if (a.has("value_int")) *out = {a.i("value_int", 0)};
  else return false;
  return true;
}

void translate_reduce_mean(NodeContext& c) {
  Attrs a = c.attrs;
  if (c.opset >= 18 && c.input(1) >= 0) {
    std::vector<int64_t> axes;
    if (!load_time_ints(c.g, c.input(1), &axes))
      c.unsupported("ReduceMean axes computed at run time (input '" + c.g.value(c.input(1)).name + "')");
    a.set("axes", axes);
  }
  c.emit(OpType::ReduceMean, {c.input(0)}, c.outputs).attrs = a;
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("ReduceMean", translate_reduce_mean);

}  // namespace segrt::onnx_import
