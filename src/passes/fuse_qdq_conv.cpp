// DequantizeLinear -> Conv (-> QuantizeLinear) as one 8-bit convolution: the
// pattern of QDQ ("explicitly quantized") models and of calibrated models
// (passes/insert_qdq.cpp), run as TensorRT runs them:
//
//   Conv(DQ(xq; xs, xzp), DQ(wq; ws, 0), bias) (+act) -> y  [-> Q(ys, yzp) -> yq]
//   =>  QLinearConv(xq, xs, xzp, wq, ws, 0, [ys, yzp], B) -> y (float32) or yq
//
// exact, since Conv(DQ(xq), DQ(wq))[o] = xs * ws[o] * sum((xq - xzp) * wq): the
// integer accumulator, scaled once. The float bias b becomes ONNX's int32
// bias in the accumulator's scale, B[o] = round(b[o] / (xs * ws[o])) (error
// at most half an accumulator step). Weights: int8 constants with zero
// points 0, per tensor or per output channel; x: 8-bit, per tensor. Runs
// after fuse_activation, so the activation rides along (applied to the
// dequantized value before requantizing). DequantizeLinear nodes of
// constants left over (weights of convolutions not fused) are folded here,
// as fold_constants leaves them for this pass.
//
// With `fp8` (a backend with fp8 convolutions: PassOptions::fp8_convolutions)
// the same pattern in float8 e4m3fn (x, w and a requantized y, zero points 0)
// becomes segrt's fp8 QLinearConv: the products summed in float, the bias in
// the accumulator's scale as for int8. Without it fp8 Q/DQ stay as they are
// (a float convolution of the dequantized values: the simulation).
#include <cmath>

#include "backend/ref/ref.h"
#include "ir/ops/quantize_util.h"
#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

using pass_util::dequantize_of;
using pass_util::DequantizeOf;

bool all_zero(const Graph& g, int v) {
  if (v < 0) return true;
  for (double z : g.value(v).constant.to_f64_vector())
    if (z != 0) return false;
  return true;
}

bool is_int8(DType t) { return t == DType::u8 || t == DType::i8; }

// The 8-bit kind of x's QuantizeLinear: an integer, or e4m3fn with fp8.
bool quantized_kind(DType t, bool fp8) { return is_int8(t) || (fp8 && t == DType::f8e4m3fn); }

// The per-tensor QuantizeLinear of x's kind (`fp8`: e4m3fn, saturating, zero point 0) that alone reads y, or -1.
int requantizer(const Graph& g, const std::vector<std::vector<int>>& rd, int y, bool fp8) {
  const int r = pass_util::sole_reader(g, rd, y);
  if (r < 0) return -1;
  const Node& q = g.nodes[r];
  if (q.op != OpType::QuantizeLinear || q.inputs.size() < 3 || q.inputs[2] < 0) return -1;
  if (!g.value(q.inputs[1]).is_constant() || g.value(q.inputs[1]).constant.numel() != 1) return -1;
  if (!g.value(q.inputs[2]).is_constant()) return -1;
  const DType t = g.value(q.inputs[2]).dtype;
  if (fp8 ? t != DType::f8e4m3fn || !all_zero(g, q.inputs[2]) || q.attrs.i("saturate", 1) == 0 : !is_int8(t)) return -1;
  return r;
}

// The conv's float bias (a float constant, or DequantizeLinear of a constant), empty when none.
bool float_bias(const Graph& g, const Node& c, std::vector<double>* b) {
  if (c.inputs.size() < 3 || c.inputs[2] < 0) return true;
  const int v = c.inputs[2];
  if (pass_util::is_f32_constant(g, v)) return *b = g.value(v).constant.to_f64_vector(), true;
  DequantizeOf d;
  if (!dequantize_of(g, v, &d) || !g.value(d.q).is_constant()) return false;
  const Tensor* in[3] = {&g.value(d.q).constant, &g.value(d.scale).constant,
                         d.zp >= 0 ? &g.value(d.zp).constant : nullptr};
  *b = ref::run_node(g, *d.node, {in[0], in[1], in[2]})[0].to_f64_vector();
  return true;
}

// Rewrites conv node i when it matches; returns the index of a QuantizeLinear it absorbed, -1 if none, -2 if no match.
int fuse_one(Graph& g, const std::vector<std::vector<int>>& rd, int i, bool fp8_ok, PassLog& log) {
  Node& c = g.nodes[i];
  if (c.op != OpType::Conv || c.inputs.size() < 2 || c.inputs.size() > 3 || g.value(c.inputs[0]).shape.size() != 4)
    return -2;
  DequantizeOf dx, dw;
  if (!dequantize_of(g, c.inputs[0], &dx) || !dequantize_of(g, c.inputs[1], &dw)) return -2;
  if (!quantized_kind(g.value(dx.q).dtype, fp8_ok) || g.value(dx.scale).constant.numel() != 1) return -2;
  const bool fp8 = g.value(dx.q).dtype == DType::f8e4m3fn;
  if (fp8 && !all_zero(g, dx.zp)) return -2;
  const Tensor& ws = g.value(dw.scale).constant;
  const int64_t O = g.value(c.inputs[1]).shape[0];
  const DType wt = fp8 ? DType::f8e4m3fn : DType::i8;
  if (!g.value(dw.q).is_constant() || g.value(dw.q).dtype != wt || !all_zero(g, dw.zp)) return -2;
  if (ws.numel() != 1 && (ws.numel() != O || normalize_axis(dw.node->attrs.i("axis", 1), 4) != 0)) return -2;
  std::vector<double> bias;
  if (!float_bias(g, c, &bias)) return -2;

  const double xs = g.value(dx.scale).constant.to_f64_vector()[0];
  const auto wsv = ws.to_f64_vector();
  int bias_id = -1;
  if (!bias.empty()) {
    Tensor b(DType::i32, {O});
    for (int64_t o = 0; o < O; ++o)
      b.data<int32_t>()[o] = static_cast<int32_t>(std::nearbyint(bias[o] / (xs * wsv[wsv.size() == 1 ? 0 : o])));
    bias_id = g.add_constant(g.unique_name(c.name + "_bias_int32"), b);
  }
  auto zero_of = [&](int zp, DType t) {
    return zp >= 0 ? zp : g.add_constant(g.unique_name(c.name + "_zero_point"), Tensor(t, {}));
  };
  const int xzp = zero_of(dx.zp, g.value(dx.q).dtype), wzp = zero_of(dw.zp, wt);
  const int q = requantizer(g, rd, c.outputs[0], fp8);
  Node f;
  f.op = OpType::QLinearConv;
  f.name = c.name;
  f.source_name = c.source_name;
  f.source_op = c.source_op;
  f.attrs = c.attrs;
  f.inputs = {dx.q, dx.scale, xzp, dw.q, dw.scale, wzp, -1, -1, bias_id};
  f.outputs = c.outputs;
  if (q >= 0) {
    f.inputs[6] = g.nodes[q].inputs[1];
    f.inputs[7] = g.nodes[q].inputs[2];
    f.outputs = g.nodes[q].outputs;
  }
  log.note("fuse_qdq_conv", std::string(pass_util::layer_name(c)) + " -> QLinearConv (" +
                                dtype_name(g.value(dx.q).dtype) + " x " + dtype_name(wt) +
                                (wsv.size() > 1 ? " per channel" : "") +
                                (q >= 0 ? std::string(" -> ") + dtype_name(g.value(f.outputs[0]).dtype) : " -> float32") +
                                ")");
  c = std::move(f);
  return q;
}

// DequantizeLinear of constants the fusion left (weights of float convolutions) become constants.
void fold_leftover_dequantize(Graph& g) {
  const auto rd = pass_util::readers(g);
  std::vector<Node> kept;
  for (Node& n : g.nodes) {
    // Those of fused weights are read by nobody now: remove_dead_nodes drops them unevaluated.
    bool constant = n.op == OpType::DequantizeLinear &&
                    (!rd[n.outputs[0]].empty() || pass_util::is_graph_output(g, n.outputs[0]));
    for (int in : n.inputs) constant &= in < 0 || g.value(in).is_constant();
    if (!constant) {
      kept.push_back(std::move(n));
      continue;
    }
    std::vector<const Tensor*> in;
    for (int id : n.inputs) in.push_back(id >= 0 ? &g.value(id).constant : nullptr);
    g.value(n.outputs[0]).constant = ref::run_node(g, n, in)[0];
  }
  g.nodes = std::move(kept);
}

}  // namespace

void fuse_qdq_conv(Graph& g, PassLog& log, bool fp8) {
  g.topo_sort();
  const auto rd = pass_util::readers(g);
  std::vector<char> drop(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (drop[i]) continue;
    const int q = fuse_one(g, rd, static_cast<int>(i), fp8, log);
    if (q >= 0) drop[q] = 1;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  fold_leftover_dequantize(g);
  g.topo_sort();
}

}  // namespace segrt
