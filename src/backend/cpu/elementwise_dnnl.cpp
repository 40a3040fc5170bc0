// Elementwise ops on oneDNN: activations (eltwise primitive, in whatever
// format the input has, blocked included) and binary arithmetic (binary
// primitive: same-shape operands in the first operand's format, or plain
// operands with numpy broadcasting of the second), with a fused activation
// as post-op. Activations dnnl_eltwise() does not map (Selu, Softsign, Erf,
// HardSigmoid, ThresholdedRelu, Mish...) run as an own loop over Activation (the
// formulas of ir/activation_math.h), in any format. Every activation of ops.def
// is registered here.
#include "backend/cpu/cpu.h"
#include "ir/activation.h"
#include "core/strides.h"

namespace segrt::cpu {

bool dnnl_eltwise(OpType op, float alpha, float beta, dnnl::algorithm* alg, float* a, float* b) {
  using A = dnnl::algorithm;
  *a = 0.f;
  *b = 0.f;
  switch (op) {
    case OpType::Relu: *alg = A::eltwise_relu; return true;
    case OpType::LeakyRelu: *alg = A::eltwise_relu; *a = alpha; return true;
    case OpType::Elu: *alg = A::eltwise_elu; *a = alpha; return true;
    case OpType::Sigmoid: *alg = A::eltwise_logistic; return true;
    case OpType::Tanh: *alg = A::eltwise_tanh; return true;
    case OpType::Clip: *alg = A::eltwise_clip_v2; *a = alpha; *b = beta; return true;
    case OpType::HardSwish: *alg = A::eltwise_hardswish; return true;
    case OpType::Gelu: *alg = alpha != 0.f ? A::eltwise_gelu_tanh : A::eltwise_gelu_erf; return true;
    case OpType::Exp: *alg = A::eltwise_exp; return true;
    case OpType::Sqrt: *alg = A::eltwise_sqrt; return true;
    case OpType::Abs: *alg = A::eltwise_abs; return true;
    case OpType::Neg: *alg = A::eltwise_linear; *a = -1.f; return true;
    case OpType::Softplus: *alg = A::eltwise_soft_relu; return true;
    default: return false;
  }
}

bool append_fused_activation(const Node& n, dnnl::post_ops& po, std::string* why) {
  Activation a = Activation::from_fused_attrs(n.attrs);
  if (a.none()) return true;
  dnnl::algorithm alg;
  float al, be;
  if (!dnnl_eltwise(a.op, a.alpha, a.beta, &alg, &al, &be))
    return *why = std::string("fused ") + op_name(a.op) + " has no exact oneDNN post-op", false;
  po.append_eltwise(1.f, alg, al, be);
  return true;
}

namespace {

bool lower_activation(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  if (g.value(x).dtype != DType::f32) return *why = "float32 only", false;
  for (size_t k = 1; k < n.inputs.size(); ++k)
    if (n.inputs[k] >= 0 && !g.value(n.inputs[k]).is_constant()) return *why = "bounds computed at run time", false;
  Activation act = Activation::from_node(g, n);
  dnnl::algorithm alg;
  float a, b;
  bool dnnl_alg = dnnl_eltwise(act.op, act.alpha, act.beta, &alg, &a, &b);
  // A slice of a Concat buffer: work on a dense copy; the own loop reads float32 only.
  if (c.alias_of[x] >= 0 || (!dnnl_alg && c.slots[x].spatial && c.slots[x].md.data_type() != dnnl::memory::data_type::f32))
    x = c.as_plain(x);
  const Slot& in = c.slots[x];
  md_t md = in.spatial ? in.md : c.plain_md(n.inputs[0]);
  c.define(y, md, in.spatial, in.nhwc);
  if (dnnl_alg) {
    dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, alg, md, a, b);
    c.add(primitive_step(n.name, dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(d, c.eng)), x, md, y, md));
  } else {  // own loop: the format does not matter elementwise (padding lanes included)
    size_t count = md.get_size() / sizeof(float);
    c.add(host_step(n.name, {x}, {y}, [act, x, y, count](const std::vector<void*>& ptr) {
      const float* s = static_cast<const float*>(ptr[x]);
      float* d = static_cast<float*>(ptr[y]);
#pragma omp parallel for schedule(static)
      for (size_t i = 0; i < count; ++i) d[i] = act(s[i]);
    }));
  }
  return true;
}

bool binary_alg(OpType op, dnnl::algorithm* alg) {
  using A = dnnl::algorithm;
  switch (op) {
    case OpType::Add: case OpType::Sum: *alg = A::binary_add; return true;
    case OpType::Sub: *alg = A::binary_sub; return true;
    case OpType::Mul: *alg = A::binary_mul; return true;
    case OpType::Div: *alg = A::binary_div; return true;
    case OpType::Max: *alg = A::binary_max; return true;
    case OpType::Min: *alg = A::binary_min; return true;
    default: return false;
  }
}

bool commutative(OpType op) { return op != OpType::Sub && op != OpType::Div; }

dims_t padded_dims(const Shape& s, size_t rank) {
  dims_t d(rank - s.size(), 1);
  d.insert(d.end(), s.begin(), s.end());
  return d;
}

bool lower_binary(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  dnnl::algorithm alg;
  if (n.inputs.size() != 2 || !binary_alg(n.op, &alg)) return *why = "two-input arithmetic only", false;
  int a = n.inputs[0], b = n.inputs[1], y = n.outputs[0];
  const Value& out = g.value(y);
  if (g.value(a).dtype != DType::f32 || g.value(b).dtype != DType::f32) return *why = "float32 only", false;
  if (g.value(a).shape != out.shape || g.value(a).is_constant()) {  // oneDNN broadcasts and reads constants as src1 only
    if (!commutative(n.op) || g.value(b).shape != out.shape || g.value(b).is_constant())
      return *why = "first operand broadcasts or is constant", false;
    std::swap(a, b);
  }
  dnnl::primitive_attr attr;
  dnnl::post_ops po;
  if (!append_fused_activation(n, po, why)) return false;
  attr.set_post_ops(po);
  const Slot& sa = c.slots[a];
  bool b_const = g.value(b).is_constant();
  // Same-shape operands stay in a's (blocked) format; anything else is computed on plain data.
  bool spatial = sa.spatial && g.value(b).shape == out.shape && !b_const && c.alias_of[a] < 0;
  md_t ma, mb;
  int ia = a, ib = b;
  if (spatial) {
    ma = sa.md;
    mb = ma;
    ib = c.as_spatial(b, sa.nhwc, ma);
  } else {
    ia = c.as_plain(a);
    ma = c.plain_md(a);
    dims_t d = padded_dims(g.value(b).shape, out.shape.size());
    mb = md_t(d, dnnl::memory::data_type::f32, row_major_strides(d));
    if (!b_const) ib = c.as_plain(b);
  }
  dnnl::binary::desc d(alg, ma, mb, ma);
  dnnl::binary::primitive_desc pd(d, attr, c.eng);
  c.define(y, ma, spatial, spatial && sa.nhwc);
  Step st;
  st.name = n.name;
  st.in = {ia};
  st.out = {y};
  st.prim = dnnl::binary(pd);
  st.args = {{DNNL_ARG_SRC_0, ia, ma}, {DNNL_ARG_DST, y, ma}};
  if (b_const) {
    st.const_args[DNNL_ARG_SRC_1] = c.constant(g.value(b).constant, mb, mb);
  } else {
    st.in.push_back(ib);
    st.args.push_back({DNNL_ARG_SRC_1, ib, mb});
  }
  c.add(std::move(st));
  return true;
}

const bool activations_registered = register_for_activations(register_lowering, lower_activation);

}  // namespace

SEGRT_CPU_LOWERING(Add, lower_binary);
SEGRT_CPU_LOWERING(Sub, lower_binary);
SEGRT_CPU_LOWERING(Mul, lower_binary);
SEGRT_CPU_LOWERING(Div, lower_binary);
SEGRT_CPU_LOWERING(Max, lower_binary);
SEGRT_CPU_LOWERING(Min, lower_binary);

}  // namespace segrt::cpu
