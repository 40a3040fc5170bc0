// Small graph queries and edits shared by the rewrite passes: who reads a
// value, is it a graph output, is it a float32 constant, a plain Conv, drop
// marked nodes.
// Inline here, except the upsample rewrites' pieces (fold_upsample_conv.cpp); no state.
#pragma once
#include <vector>

#include "ir/graph.h"

namespace segrt::pass_util {

// readers[v] = indices of the nodes that read value v (once per input slot).
inline std::vector<std::vector<int>> readers(const Graph& g) {
  std::vector<std::vector<int>> r(g.values.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int in : g.nodes[i].inputs)
      if (in >= 0) r[in].push_back(static_cast<int>(i));
  return r;
}

inline bool is_graph_output(const Graph& g, int v) {
  for (int o : g.outputs)
    if (o == v) return true;
  return false;
}

// The single node reading v, or -1 when v has zero or several readers or is a graph output.
inline int sole_reader(const Graph& g, const std::vector<std::vector<int>>& rd, int v) {
  if (is_graph_output(g, v) || rd[v].size() != 1) return -1;
  return rd[v][0];
}

inline bool is_f32_constant(const Graph& g, int v) {
  return v >= 0 && g.value(v).is_constant() && g.value(v).constant.dtype() == DType::f32;
}

// A Conv with one group, unit strides and dilations, explicit pads (no
// auto_pad) and float32 constant weights and bias (when given): the shape the
// upsample rewrites (fold_upsample_conv, split_upsample_conv) re-express.
inline bool is_unit_stride_f32_conv(const Graph& g, const Node& conv) {
  if (conv.op != OpType::Conv || conv.inputs.size() < 2 || conv.inputs.size() > 3) return false;
  if (conv.attrs.s("auto_pad", "NOTSET") != "NOTSET" || conv.attrs.i("group", 1) != 1) return false;
  if (conv.attrs.ints("strides", {1, 1}) != std::vector<int64_t>{1, 1}) return false;
  if (conv.attrs.ints("dilations", {1, 1}) != std::vector<int64_t>{1, 1}) return false;
  if (!is_f32_constant(g, conv.inputs[1])) return false;
  return conv.inputs.size() < 3 || conv.inputs[2] < 0 || is_f32_constant(g, conv.inputs[2]);
}

// True when Resize n maps output index o to input index o / 2 on both spatial
// axes and leaves the others alone (nearest 2x upsampling, however the model
// spells it). Defined in fold_upsample_conv.cpp.
bool is_nearest_2x(const Graph& g, const Node& n, bool nhwc);

// The pieces both upsample rewrites build (defined in fold_upsample_conv.cpp):
// a new value (name made unique) with x's dtype, layout, batch and spatial
// size and `channels` channels, in the conv's layout;
int add_value_like(Graph& g, const std::string& name, int x, int64_t channels, bool nhwc);
// the pixel shuffle DepthToSpace (DCR, block 2) from t into y, attributed to
// the source layer of `like` (which may live in g.nodes).
Node& add_pixel_shuffle(Graph& g, const std::string& name, int t, int y, bool nhwc, const Node& like);

// Removes the nodes marked in drop (indexed like g.nodes), keeping the others' order.
inline void erase_nodes(Graph& g, const std::vector<char>& drop) {
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
}

// The inputs of the DequantizeLinear producing v, when it has one with a
// constant scale and zero point and no block_size (per tensor or per axis):
// what the 8-bit passes (fuse_qdq_conv, sink_dequantize) rewrite around.
struct DequantizeOf {
  const Node* node = nullptr;
  int q = -1, scale = -1, zp = -1;  // zp -1: absent
};
inline bool dequantize_of(const Graph& g, int v, DequantizeOf* d) {
  const int p = v >= 0 ? g.value(v).producer : -1;
  if (p < 0 || g.nodes[p].op != OpType::DequantizeLinear || g.nodes[p].attrs.i("block_size", 0) != 0) return false;
  const Node& n = g.nodes[p];
  if (n.inputs.size() < 2) return false;
  d->node = &n;
  d->q = n.inputs[0];
  d->scale = n.inputs[1];
  d->zp = n.inputs.size() > 2 ? n.inputs[2] : -1;
  return g.value(d->scale).is_constant() && (d->zp < 0 || g.value(d->zp).is_constant());
}

// The data inputs of n when n only moves or selects elements, so that for a
// per-tensor DequantizeLinear (scale s > 0, zero point z) n(DQ(q)) equals
// DQ(n(q)) exactly: MaxPool (max commutes with an increasing map), Concat
// (of activations only), nearest Resize (no extrapolation). Empty for any
// other node. insert_qdq joins such tensors under one scale; sink_dequantize
// moves the DequantizeLinear behind them.
inline std::vector<int> int8_exact_inputs(const Graph& g, const Node& n) {
  if (n.outputs.size() != 1 || n.inputs.empty() || n.inputs[0] < 0) return {};
  switch (n.op) {
    case OpType::MaxPool:
      return {n.inputs[0]};
    case OpType::Resize:
      if (n.attrs.s("mode", "nearest") != "nearest" || n.attrs.s("coordinate_transformation_mode", "") == "tf_crop_and_resize")
        return {};
      return {n.inputs[0]};
    case OpType::Concat:
      for (int v : n.inputs)
        if (v < 0 || g.value(v).is_constant()) return {};
      return n.inputs;
    default:
      return {};
  }
}

// True for a Pad that adds zeros (constant mode, value 0 or absent, constant
// pads, no axes input): Pad(DQ(q)) is DQ(q) padded with real zeros, what a
// quantized convolution's own padding adds, and fuse_pad_into_conv merges it
// into the convolution after it. So calibration observes the Pad's input for
// its output and insert_qdq quantizes before it.
inline bool is_zero_pad(const Graph& g, const Node& n) {
  if (n.op != OpType::Pad || n.outputs.size() != 1 || n.inputs.size() < 2 || n.inputs[0] < 0 || n.inputs[1] < 0) return false;
  if (n.attrs.s("mode", "constant") != "constant" || !g.value(n.inputs[1]).is_constant()) return false;
  if (n.inputs.size() > 3 && n.inputs[3] >= 0) return false;
  if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
    const Value& c = g.value(n.inputs[2]);
    return c.is_constant() && c.constant.numel() == 1 && c.constant.to_f64_vector()[0] == 0.0;
  }
  return true;
}

// The spatial begin..., end... amounts of a zero Pad that pads only the
// spatial axes of a Conv of the given layout (non-negative), or false: what
// fuse_pad_into_conv adds to the Conv's pads.
inline bool zero_pad_spatial(const Graph& g, const Node& pad, bool nhwc, std::vector<int64_t>* out) {
  if (!is_zero_pad(g, pad)) return false;  // also refuses the axes input (opset 18)
  const auto p = g.value(pad.inputs[1]).constant.to_i64_vector();
  const size_t rank = p.size() / 2;
  if (rank < 3 || p.size() != 2 * rank) return false;
  const size_t first = nhwc ? 1 : 2, last = nhwc ? rank - 1 : rank;  // spatial axes [first, last)
  for (size_t d = 0; d < rank; ++d) {
    const bool spatial = d >= first && d < last;
    if (p[d] < 0 || p[d + rank] < 0) return false;
    if (!spatial && (p[d] != 0 || p[d + rank] != 0)) return false;
  }
  out->clear();
  for (size_t d = first; d < last; ++d) out->push_back(p[d]);
  for (size_t d = first; d < last; ++d) out->push_back(p[d + rank]);
  return true;
}

inline const char* layer_name(const Node& n) { return n.source_name.empty() ? n.name.c_str() : n.source_name.c_str(); }

}  // namespace segrt::pass_util
