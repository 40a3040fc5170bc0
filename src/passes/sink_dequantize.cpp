// 8-bit data movement: DequantizeLinear moved behind the nodes that only
// move or select elements (pass_util::int8_exact_inputs: MaxPool, Concat,
// nearest Resize), and QuantizeLinear of a DequantizeLinear with the same
// scale and zero point removed. Both rewrites are exact:
//
//   n(DQ(q1; s, z), DQ(q2; s, z), ...)  =>  DQ(n(q1, q2, ...); s, z)
//     (MaxPool needs s > 0: max commutes with an increasing map)
//   Q(DQ(q; s, z); s, z)                =>  q
//     (DQ(q) is on Q's grid, so Q rounds nothing)
//
// so a calibrated U-Net (insert_qdq with shared scales) or a QDQ model whose
// pools and concatenations sit between equal scales (ONNX Runtime's
// quantizer writes them so) keeps its skip connections in 8 bits between
// the convolutions: a quarter of float32's bytes through the pools and
// concatenations, and no QuantizeLinear before the next convolution. Runs
// before fuse_qdq_conv, on backends with 8-bit kernels for those nodes
// (PassOptions::int8_data_movement).
#include <algorithm>

#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

// The value of v, a one-element constant (an absent zero point, v < 0: 0).
bool scalar_value(const Graph& g, int v, double* out) {
  if (v < 0) return *out = 0, true;
  const Value& c = g.value(v);
  if (!c.is_constant() || c.constant.numel() != 1) return false;
  *out = c.constant.to_f64_vector()[0];
  return true;
}

// A per-tensor 8-bit DequantizeLinear (pass_util::dequantize_of) with its scale and zero point's values.
struct PerTensorDq : pass_util::DequantizeOf {
  double s = 0, z = 0;
};

bool per_tensor_dq(const Graph& g, int v, PerTensorDq* d) {
  if (!pass_util::dequantize_of(g, v, d)) return false;
  const DType t = g.value(d->q).dtype;
  return (t == DType::u8 || t == DType::i8) && scalar_value(g, d->scale, &d->s) && scalar_value(g, d->zp, &d->z);
}

bool same_quantization(const Graph& g, const PerTensorDq& a, const PerTensorDq& b) {
  return a.s == b.s && a.z == b.z && g.value(a.q).dtype == g.value(b.q).dtype;
}

// Rewrites node i to read the 8-bit tensors behind its DequantizeLinear inputs; true if it did.
bool sink_through(Graph& g, int i, PassLog& log) {
  const std::vector<int> data = pass_util::int8_exact_inputs(g, g.nodes[i]);
  if (data.empty()) return false;
  PerTensorDq first;
  for (int v : data) {
    PerTensorDq d;
    if (!per_tensor_dq(g, v, &d)) return false;
    if (first.q < 0) first = d;
    else if (!same_quantization(g, d, first)) return false;
  }
  if (g.nodes[i].op == OpType::MaxPool && !(first.s > 0)) return false;
  for (int& v : g.nodes[i].inputs) {
    PerTensorDq d;
    if (std::find(data.begin(), data.end(), v) != data.end() && per_tensor_dq(g, v, &d)) v = d.q;
  }
  const int y = g.nodes[i].outputs[0];
  const Value yv = g.value(y);  // a copy: add_value may move the values
  const int yq = g.add_value(g.unique_name(yv.name + "_quantized"), g.value(first.q).dtype);
  g.value(yq).shape = yv.shape;
  g.value(yq).shape_known = yv.shape_known;
  g.value(yq).layout = yv.layout;
  g.nodes[i].outputs[0] = yq;
  g.value(yq).producer = i;
  const std::string name = g.nodes[i].name, source = g.nodes[i].source_name;
  std::vector<int> dq_in = {yq, first.scale};
  if (first.zp >= 0) dq_in.push_back(first.zp);
  Node& dq = g.add_node(OpType::DequantizeLinear, g.unique_name(name + "_dequantize"), dq_in, {y});
  dq.source_name = source;
  log.note("sink_dequantize", std::string(pass_util::layer_name(g.nodes[i])) + " runs on " +
                                  dtype_name(g.value(first.q).dtype) + " (dequantized after it)");
  return true;
}

}  // namespace

void sink_dequantize(Graph& g, PassLog& log) {
  g.topo_sort();
  // In graph order, so a chain (MaxPool -> Concat) moves its DequantizeLinear
  // step by step: add_node keeps the producers current, the appended
  // DequantizeLinear nodes are put in place by the final sort.
  for (size_t i = 0, n = g.nodes.size(); i < n; ++i) sink_through(g, static_cast<int>(i), log);
  // Q(DQ(q)) with equal scale, zero point and type: its readers read q.
  std::vector<int> replace(g.values.size(), -1);
  std::vector<char> drop(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op != OpType::QuantizeLinear || n.inputs.size() < 2 || n.attrs.i("block_size", 0) != 0) continue;
    if (pass_util::is_graph_output(g, n.outputs[0])) continue;
    PerTensorDq d;
    double s = 0, z = 0;
    if (!per_tensor_dq(g, n.inputs[0], &d) || !scalar_value(g, n.inputs[1], &s) ||
        !scalar_value(g, n.inputs.size() > 2 ? n.inputs[2] : -1, &z))
      continue;
    if (s != d.s || z != d.z || g.value(n.outputs[0]).dtype != g.value(d.q).dtype) continue;
    replace[n.outputs[0]] = d.q;
    drop[i] = 1;
    log.note("sink_dequantize", std::string(pass_util::layer_name(n)) + ": removed (requantizes a " +
                                    "DequantizeLinear with the same scale and zero point)");
  }
  for (Node& n : g.nodes)
    for (int& v : n.inputs)
      if (v >= 0 && replace[v] >= 0) v = replace[v];
  pass_util::erase_nodes(g, drop);
  g.topo_sort();
}

}  // namespace segrt
