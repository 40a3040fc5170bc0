// A calibration table applied to a float model: QuantizeLinear /
// DequantizeLinear pairs before each convolution (the algebra and the choice
// of types are in insert_qdq.h). The result is an ordinary QDQ graph: the
// reference backend simulates it exactly, fuse_qdq_conv turns each
// DQ -> Conv into an 8-bit convolution for the fast backends.
#include "passes/insert_qdq.h"

#include <algorithm>
#include <cmath>

#include "ir/ops/conv_util.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

struct QType {
  DType type;
  double levels;  // amax maps to this many steps
};

QType activation_type(const QuantSpec& spec, const QuantSpec::Range& r) {
  if (spec.precision == "fp8") return {DType::f8e4m3fn, 448.0};
  return r.min >= 0 && !spec.signed_activations ? QType{DType::u8, 255.0} : QType{DType::i8, 127.0};
}

int scalar_constant(Graph& g, const std::string& name, double v) {
  return g.add_constant(g.unique_name(name), Tensor::scalar_f32(static_cast<float>(v)));
}

Node make_node(OpType op, std::string name, std::vector<int> in, int out, int64_t axis = 1) {
  Node n;
  n.op = op;
  n.name = std::move(name);
  n.inputs = std::move(in);
  n.outputs = {out};
  n.attrs.set("axis", axis);
  return n;
}

// Symmetric per-output-channel quantization of float weights [O, ...]: (quantized constant, scales [O]).
std::pair<Tensor, Tensor> quantize_weights(const Tensor& w, bool fp8) {
  const int64_t O = w.dim(0), per = w.numel() / std::max<int64_t>(O, 1);
  const double levels = fp8 ? 448.0 : 127.0;
  Tensor q(fp8 ? DType::f8e4m3fn : DType::i8, w.shape()), s(DType::f32, {O});
  const float* wp = w.data<float>();
  for (int64_t o = 0; o < O; ++o) {
    float amax = 0;
    for (int64_t k = 0; k < per; ++k) amax = std::max(amax, std::fabs(wp[o * per + k]));
    const float scale = amax > 0 ? static_cast<float>(amax / levels) : 1.f;
    s.data<float>()[o] = scale;
    for (int64_t k = 0; k < per; ++k) {
      const float v = wp[o * per + k] / scale;  // float32 division, as QuantizeLinear
      if (fp8) static_cast<uint8_t*>(q.raw())[o * per + k] = f32_to_f8(v, DType::f8e4m3fn);
      else q.data<int8_t>()[o * per + k] = static_cast<int8_t>(std::clamp(std::nearbyint(v), -127.f, 127.f));
    }
  }
  return {q, s};
}

// Whether conv n is padded differently at the two ends of an axis, counting
// the zero Pad before it that fuse_pad_into_conv merges into its pads.
bool asymmetric_padding(const Graph& g, const Node& n) {
  const ConvGeometry geo = conv_geometry(n.attrs, g.value(n.inputs[0]).shape, g.value(n.inputs[1]).shape);
  const size_t r = static_cast<size_t>(geo.rank());
  std::vector<int64_t> p = geo.pads, add;
  const int producer = g.value(n.inputs[0]).producer;
  if (producer >= 0 && pass_util::zero_pad_spatial(g, g.nodes[producer], is_channels_last(n.attrs), &add) &&
      add.size() == p.size())
    for (size_t k = 0; k < p.size(); ++k) p[k] += add[k];
  for (size_t i = 0; i < r; ++i)
    if (p[i] != p[r + i]) return true;
  return false;
}

bool quantizable(const Graph& g, const Node& n, const QuantSpec& spec) {
  if (n.op != OpType::Conv || n.inputs.size() < 2 || n.inputs.size() > 3) return false;
  if (!pass_util::is_f32_constant(g, n.inputs[1]) || g.value(n.inputs[0]).shape.size() != 4) return false;
  if (n.inputs.size() == 3 && n.inputs[2] >= 0 && !pass_util::is_f32_constant(g, n.inputs[2])) return false;
  return !spec.float_layers.count(n.name) && !spec.float_layers.count(n.source_name);
}

// Union-find over value ids: the tensors one scale serves.
struct Groups {
  std::vector<int> parent;
  explicit Groups(size_t n) : parent(n) {
    for (size_t i = 0; i < n; ++i) parent[i] = static_cast<int>(i);
  }
  int find(int v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  }
  void join(int a, int b) { parent[find(a)] = find(b); }
};

}  // namespace

void insert_qdq(Graph& g, const QuantSpec& spec, PassLog& log) {
  g.topo_sort();  // producers current: the groups below start where no joining node produces
  const bool fp8 = spec.precision == "fp8";
  // fp8's default: the first and last convolutions (in graph order) stay float.
  int first_conv = -1, last_conv = -1;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].op == OpType::Conv) {
      if (first_conv < 0) first_conv = static_cast<int>(i);
      last_conv = static_cast<int>(i);
    }
  auto named = [](const std::set<std::string>& s, const Node& n) { return s.count(n.name) || s.count(n.source_name); };

  // 1. The convolutions the spec quantizes (each refusal logged).
  std::vector<char> qconv(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op == OpType::Conv && named(spec.float_layers, n))
      log.note("insert_qdq", std::string(pass_util::layer_name(n)) + ": left in float (--layer-precision)");
    if (!quantizable(g, n, spec)) continue;
    if (fp8 && (static_cast<int>(i) == first_conv || static_cast<int>(i) == last_conv) && !named(spec.quantized_layers, n)) {
      log.note("insert_qdq", std::string(pass_util::layer_name(n)) + ": left in float (the " +
                                 (static_cast<int>(i) == first_conv ? "first" : "last") +
                                 " convolution at fp8; --layer-precision NAME=fp8 quantizes it)");
      continue;
    }
    if (spec.min_channels > 0 && !named(spec.quantized_layers, n)) {
      const Shape& ws = g.value(n.inputs[1]).shape;  // [O, I/group, kh, kw]
      const int64_t in_ch = ws[1] * n.attrs.i("group", 1);
      if (ws[0] < spec.min_channels || in_ch < spec.min_channels) {
        log.note("insert_qdq", std::string(pass_util::layer_name(n)) + ": left in float (" + std::to_string(in_ch) +
                                   " -> " + std::to_string(ws[0]) + " channels, below the backend's " +
                                   std::to_string(spec.min_channels) + " for 8-bit; --layer-precision NAME=" +
                                   spec.precision + " quantizes it)");
        continue;
      }
    }
    if (spec.symmetric_pads_only && !named(spec.quantized_layers, n) && asymmetric_padding(g, n)) {
      log.note("insert_qdq", std::string(pass_util::layer_name(n)) + ": left in float (padded differently at the two "
                                 "ends of an axis; the backend's 8-bit convolution takes one pad per axis)");
      continue;
    }
    qconv[i] = 1;
  }

  // 2. Groups: tensors joined by a node that keeps them on the 8-bit grid
  // (a zero Pad, which the convolution after it absorbs; with shared scales
  // also MaxPool, Concat, nearest Resize) whose every reader is a quantized
  // convolution or another such node share one scale, quantized once where
  // the group starts.
  const auto rd = pass_util::readers(g);
  Groups groups(g.values.size());
  std::vector<char> joins(g.nodes.size(), 0);
  auto joined_inputs = [&](const Node& n) -> std::vector<int> {
    if (pass_util::is_zero_pad(g, n)) return {n.inputs[0]};
    return spec.shared_scales && !fp8 ? pass_util::int8_exact_inputs(g, n) : std::vector<int>{};
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) joins[i] = !joined_inputs(g.nodes[i]).empty();
  for (bool changed = true; changed;) {  // drop nodes with a float reader until none is left
    changed = false;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      if (!joins[i]) continue;
      const int y = g.nodes[i].outputs[0];
      bool ok = !pass_util::is_graph_output(g, y);
      for (int r : rd[y]) {
        const Node& rn = g.nodes[r];
        const bool conv_input = qconv[r] && rn.inputs[0] == y && rn.inputs[1] != y;
        ok = ok && (conv_input || joins[r]);
      }
      if (!ok) joins[i] = 0, changed = true;
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (joins[i])
      for (int v : joined_inputs(g.nodes[i])) groups.join(v, g.nodes[i].outputs[0]);
  // A group's range: the union of its members' calibrated ranges.
  std::map<int, QuantSpec::Range> range;
  for (size_t v = 0; v < g.values.size(); ++v) {
    auto it = spec.activations.find(g.value(static_cast<int>(v)).name);
    if (it == spec.activations.end()) continue;
    auto [r, fresh] = range.emplace(groups.find(static_cast<int>(v)), it->second);
    if (!fresh) r->second = {std::min(r->second.min, it->second.min), std::max(r->second.amax, it->second.amax)};
  }
  // Convolutions whose input has no range stay float.
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!qconv[i] || range.count(groups.find(g.nodes[i].inputs[0]))) continue;
    qconv[i] = 0;
    log.note("insert_qdq", std::string(pass_util::layer_name(g.nodes[i])) + ": left in float (the table has no range for '" +
                               g.value(g.nodes[i].inputs[0]).name + "')");
  }

  // 3. Q -> DQ after each group's first tensors (those no joining node
  // produces): the quantized convolutions and the joining nodes read the DQ.
  std::vector<Node> added;
  std::map<int, int> dequantized;  // root value -> its DQ output
  auto dequantize_root = [&](int x) {
    auto it = dequantized.find(x);
    if (it != dequantized.end()) return it->second;
    const std::string xname = g.value(x).name;
    const QuantSpec::Range& r = range.at(groups.find(x));
    const QType t = activation_type(spec, r);
    const double amax = r.amax > 0 ? r.amax : 1.0;
    const int s = scalar_constant(g, xname + "_scale", amax / t.levels);
    const int zp = g.add_constant(g.unique_name(xname + "_zero_point"), Tensor(t.type, {}));
    const int q = g.add_value(g.unique_name(xname + "_quantized"), t.type);
    const int dq = g.add_value(g.unique_name(xname + "_dequantized"), DType::f32);
    g.value(q).shape = g.value(dq).shape = g.value(x).shape;
    g.value(q).shape_known = g.value(dq).shape_known = true;
    g.value(q).layout = g.value(dq).layout = g.value(x).layout;
    added.push_back(make_node(OpType::QuantizeLinear, g.unique_name(xname + "_quantize"), {x, s, zp}, q));
    added.push_back(make_node(OpType::DequantizeLinear, g.unique_name(xname + "_dequantize"), {q, s, zp}, dq));
    return dequantized.emplace(x, dq).first->second;
  };
  auto is_root = [&](int v) { return g.value(v).producer < 0 || !joins[g.value(v).producer]; };
  std::map<int, std::vector<std::string>> joined_by;  // group -> layers joining it (for the log)
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (joins[i]) {
      const int grp = groups.find(g.nodes[i].outputs[0]);
      if (!range.count(grp)) continue;
      joined_by[grp].push_back(std::string(pass_util::layer_name(g.nodes[i])) + " (" + op_name(g.nodes[i].op) + ")");
      for (int& v : g.nodes[i].inputs)
        if (v >= 0 && is_root(v) && groups.find(v) == grp) v = dequantize_root(v);
    } else if (qconv[i] && is_root(g.nodes[i].inputs[0])) {
      g.nodes[i].inputs[0] = dequantize_root(g.nodes[i].inputs[0]);
    }
  }
  for (const auto& [grp, layers] : joined_by) {
    std::string list;
    for (size_t k = 0; k < layers.size() && k < 4; ++k) list += (k ? ", " : "") + layers[k];
    if (layers.size() > 4) list += ", ...";
    log.note("insert_qdq", "one 8-bit scale (amax " + std::to_string(range.at(grp).amax) + ") before and after " +
                               std::to_string(layers.size()) + " layer(s) that keep the grid: " + list);
  }

  // 4. Weights, per output channel.
  int done = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!qconv[i]) continue;
    Node& n = g.nodes[i];
    auto [wq, ws] = quantize_weights(g.value(n.inputs[1]).constant, fp8);
    const std::string wname = g.value(n.inputs[1]).name;
    const int wq_id = g.add_constant(g.unique_name(wname + "_quantized"), wq);
    const int ws_id = g.add_constant(g.unique_name(wname + "_scale"), ws);
    const int wz_id = g.add_constant(g.unique_name(wname + "_zero_point"), Tensor(wq.dtype(), {wq.dim(0)}));
    const int wdq = g.add_value(g.unique_name(wname + "_dequantized"), DType::f32);
    g.value(wdq).shape = wq.shape();
    g.value(wdq).shape_known = true;
    added.push_back(make_node(OpType::DequantizeLinear, g.unique_name(wname + "_dequantize"), {wq_id, ws_id, wz_id}, wdq, 0));
    n.inputs[1] = wdq;
    ++done;
  }
  for (Node& n : added) g.nodes.push_back(std::move(n));
  g.topo_sort();
  log.note("insert_qdq", std::to_string(done) + " convolutions quantized to " + (fp8 ? "fp8 (e4m3fn)" : "int8") +
                             " from the calibration table");
}

}  // namespace segrt
