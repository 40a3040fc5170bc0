// Gemm and MatMul on oneDNN's matmul primitive.
// MatMul: N-D batched with broadcast batch dims (oneDNN broadcasts dims of
// size 1), 1-D operands promoted as numpy does (the bytes do not change).
// Gemm: transA / transB are strides over the same bytes, alpha is the output
// scale, beta * C is a binary-add post-op (C broadcast to [M, N]; a constant
// C is scaled once, a computed one by scaling around the add). A constant
// second operand (the weights of a classifier) is reordered once into the
// format oneDNN prefers. A fused activation is an eltwise post-op.
#include "backend/cpu/cpu.h"
#include "ir/activation.h"
#include "core/strides.h"

namespace segrt::cpu {

namespace {

using dt = dnnl::memory::data_type;

struct Operand {
  int v;
  md_t md;  // the operand's bytes as oneDNN sees them
};

// Gemm's C as the binary post-op's second source: a value, or a constant scaled by beta.
struct Addend {
  int v = -1;       // the graph value, or -1 for none
  Tensor scaled;    // with a constant C and beta != 1: beta * C
  md_t md;
};

// Adds the matmul step; a constant weights operand is reordered into the primitive's choice.
bool add_matmul(Compiler& c, const Node& n, const Operand& a, const Operand& b, const md_t& dst,
                const dnnl::primitive_attr& attr, const Addend& add = {}) {
  const Graph& g = c.g;
  bool b_const = g.value(b.v).is_constant(), a_const = g.value(a.v).is_constant();
  md_t b_want = b_const ? md_t(b.md.dims(), dt::f32, dnnl::memory::format_tag::any) : b.md;
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a.md, b_want, dst), attr, c.eng);
  Step st;
  st.name = n.name;
  st.prim = dnnl::matmul(pd);
  st.out = {n.outputs[0]};
  if (a_const) {
    st.const_args[DNNL_ARG_SRC] = c.constant(g.value(a.v).constant, a.md, a.md);
  } else {
    int s = c.as_plain(a.v);
    st.in.push_back(s);
    st.args.push_back({DNNL_ARG_SRC, s, a.md});
  }
  if (b_const) {
    st.const_args[DNNL_ARG_WEIGHTS] = c.constant(g.value(b.v).constant, b.md, pd.weights_desc());
  } else {
    int s = c.as_plain(b.v);
    st.in.push_back(s);
    st.args.push_back({DNNL_ARG_WEIGHTS, s, b.md});
  }
  if (add.v >= 0) {
    const int arg = DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1;  // the first post-op's operand
    if (!add.scaled.empty()) {
      st.const_args[arg] = c.constant(add.scaled, add.md, add.md);
    } else if (g.value(add.v).is_constant()) {
      st.const_args[arg] = c.constant(g.value(add.v).constant, add.md, add.md);
    } else {
      int s = c.as_plain(add.v);
      st.in.push_back(s);
      st.args.push_back({arg, s, add.md});
    }
  }
  c.define(n.outputs[0], c.plain_md(n.outputs[0]), false);
  st.args.push_back({DNNL_ARG_DST, n.outputs[0], dst});
  c.add(std::move(st));
  return true;
}

bool float32(const Compiler& c, const Node& n) {
  for (int v : n.inputs)
    if (v >= 0 && c.g.value(v).dtype != DType::f32) return false;
  return c.g.value(n.outputs[0]).dtype == DType::f32;
}

bool lower_matmul(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  if (!float32(c, n)) return *why = "float32 only", false;
  Shape as = g.value(n.inputs[0]).shape, bs = g.value(n.inputs[1]).shape;
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const size_t r = std::max(as.size(), bs.size());
  if (r > 6) return *why = "rank > 6", false;
  as.insert(as.begin(), r - as.size(), 1);
  bs.insert(bs.begin(), r - bs.size(), 1);
  dims_t ad(as.begin(), as.end()), bd(bs.begin(), bs.end()), yd(r);
  for (size_t i = 0; i + 2 < r; ++i) {
    if (ad[i] != bd[i] && ad[i] != 1 && bd[i] != 1) return *why = "batch dims do not broadcast", false;
    yd[i] = std::max(ad[i], bd[i]);
  }
  yd[r - 2] = ad[r - 2];
  yd[r - 1] = bd[r - 1];
  for (auto d : yd)
    if (d == 0) return *why = "empty operand", false;
  dnnl::post_ops po;
  if (!append_fused_activation(n, po, why)) return false;
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  return add_matmul(c, n, {n.inputs[0], md_t(ad, dt::f32, row_major_strides(ad))}, {n.inputs[1], md_t(bd, dt::f32, row_major_strides(bd))},
                    md_t(yd, dt::f32, row_major_strides(yd)), attr);
}

bool lower_gemm(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  if (!float32(c, n)) return *why = "float32 only", false;
  const bool ta = n.attrs.i("transA", 0) != 0, tb = n.attrs.i("transB", 0) != 0;
  const float alpha = static_cast<float>(n.attrs.f("alpha", 1.0)), beta = static_cast<float>(n.attrs.f("beta", 1.0));
  const Shape &as = g.value(n.inputs[0]).shape, &bs = g.value(n.inputs[1]).shape;
  if (as.size() != 2 || bs.size() != 2) return *why = "Gemm operands must be 2-D", false;
  const int64_t M = ta ? as[1] : as[0], K = ta ? as[0] : as[1], N = tb ? bs[0] : bs[1];
  if (M == 0 || N == 0 || K == 0) return *why = "empty operand", false;
  // Transposition is a stride swap over the stored bytes.
  md_t a_md({M, K}, dt::f32, ta ? dims_t{1, M} : dims_t{K, 1});
  md_t b_md({K, N}, dt::f32, tb ? dims_t{1, K} : dims_t{N, 1});
  md_t y_md({M, N}, dt::f32, dims_t{N, 1});
  Addend add;
  add.v = n.inputs.size() > 2 && beta != 0.f ? n.inputs[2] : -1;
  dnnl::post_ops po;
  dnnl::primitive_attr attr;
  float scale = alpha;
  if (add.v >= 0) {
    Shape cs = g.value(add.v).shape;
    if (cs.size() > 2) return *why = "C of rank > 2", false;
    cs.insert(cs.begin(), 2 - cs.size(), 1);
    add.md = md_t({cs[0], cs[1]}, dt::f32, dims_t{cs[1], 1});
    const bool c_const = g.value(add.v).is_constant();
    if (c_const && beta != 1.f) {  // scaled once here
      add.scaled = g.value(add.v).constant.clone();  // copies share buffers
      float* p = add.scaled.data<float>();
      for (int64_t i = 0; i < add.scaled.numel(); ++i) p[i] = static_cast<float>(static_cast<double>(p[i]) * beta);
    } else if (beta != 1.f) {
      scale = alpha / beta;  // beta * (alpha / beta * AB + C)
    }
    po.append_binary(dnnl::algorithm::binary_add, add.md);
    if (!c_const && beta != 1.f) po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, beta, 0.f);
  }
  if (scale != 1.f) attr.set_output_scales(0, {scale});
  if (!append_fused_activation(n, po, why)) return false;
  attr.set_post_ops(po);
  return add_matmul(c, n, {n.inputs[0], a_md}, {n.inputs[1], b_md}, y_md, attr, add);
}

}  // namespace

SEGRT_CPU_LOWERING(MatMul, lower_matmul);
SEGRT_CPU_LOWERING(Gemm, lower_gemm);

}  // namespace segrt::cpu
