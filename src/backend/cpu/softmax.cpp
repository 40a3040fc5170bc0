// Softmax / LogSoftmax over one axis (opset-13 semantics) on oneDNN's softmax
// primitives, on plain data; the pre-13 flattening form runs on the reference.
#include "backend/cpu/cpu.h"
#include "ir/shape.h"

namespace segrt::cpu {

namespace {

bool lower_softmax(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  if (n.attrs.i("legacy_flatten", 0)) return *why = "pre-opset-13 flattening", false;
  if (g.value(x).dtype != DType::f32) return *why = "float32 only", false;
  int axis = normalize_axis(n.attrs.i("axis", -1), static_cast<int>(g.value(x).shape.size()));
  int xs = c.as_plain(x);
  md_t md = c.plain_md(x);
  c.define(y, md, false);
  Step st;
  st.name = n.name;
  st.in = {xs};
  st.out = {y};
  if (n.op == OpType::Softmax) {
    dnnl::softmax_forward::desc d(dnnl::prop_kind::forward_inference, md, axis);
    st.prim = dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(d, c.eng));
  } else {
    dnnl::logsoftmax_forward::desc d(dnnl::prop_kind::forward_inference, md, axis);
    st.prim = dnnl::logsoftmax_forward(dnnl::logsoftmax_forward::primitive_desc(d, c.eng));
  }
  st.args = {{DNNL_ARG_SRC, xs, md}, {DNNL_ARG_DST, y, md}};
  c.add(std::move(st));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Softmax, lower_softmax);
SEGRT_CPU_LOWERING(LogSoftmax, lower_softmax);

}  // namespace segrt::cpu
