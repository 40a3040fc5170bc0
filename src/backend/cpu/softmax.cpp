// Softmax / LogSoftmax on oneDNN's softmax primitives, on plain data viewed
// as [outer, n, inner] (ir/ops/softmax_util.h): one axis (opset 13) or the
// pre-13 "flatten to 2-D at axis" form alike.
#include "backend/cpu/cpu.h"
#include "ir/ops/softmax_util.h"

namespace segrt::cpu {

namespace {

bool lower_softmax(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  if (g.value(x).dtype != DType::f32) return *why = "float32 only", false;
  SoftmaxGeometry geo = softmax_geometry(n.attrs, g.value(x).shape);
  if (geo.outer * geo.n * geo.inner == 0) return *why = "empty tensor", false;
  const int axis = 1;
  int xs = c.as_plain(x);
  md_t md({geo.outer, geo.n, geo.inner}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::abc);
  c.define(y, c.plain_md(y), false);
  dnnl::primitive prim;
  if (n.op == OpType::Softmax) {
    dnnl::softmax_forward::desc d(dnnl::prop_kind::forward_inference, md, axis);
    prim = dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(d, c.eng));
  } else {
    dnnl::logsoftmax_forward::desc d(dnnl::prop_kind::forward_inference, md, axis);
    prim = dnnl::logsoftmax_forward(dnnl::logsoftmax_forward::primitive_desc(d, c.eng));
  }
  c.add(primitive_step(n.name, prim, xs, md, y, md));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Softmax, lower_softmax);
SEGRT_CPU_LOWERING(LogSoftmax, lower_softmax);

}  // namespace segrt::cpu
