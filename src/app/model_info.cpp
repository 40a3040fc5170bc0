// describe_model: what segment needs to know about a loaded model, read from
// its imported graph (output head op, total stride) and declarations.
#include <algorithm>
#include <map>

#include "segrt/segment.h"
#include "runtime/engine_impl.h"

namespace segrt::app {

namespace {

// The largest product of spatial strides along any path from an input:
// a U-Net with four 2x2 poolings gives 16; parallel branches do not multiply.
int total_stride(const Graph& g) {
  std::vector<int64_t> factor(g.values.size(), 1);
  int64_t best = 1;
  for (const Node& n : g.nodes) {
    int64_t in = 1;
    for (int v : n.inputs)
      if (v >= 0) in = std::max(in, factor[static_cast<size_t>(v)]);
    int64_t stride = 1;
    if (n.op == OpType::Conv || n.op == OpType::MaxPool || n.op == OpType::AveragePool) {
      for (int64_t s : n.attrs.ints("strides", {1, 1})) stride = std::max(stride, s);
    } else if (n.op == OpType::SpaceToDepth) {
      stride = n.attrs.i("blocksize", 1);
    }
    for (int v : n.outputs) factor[static_cast<size_t>(v)] = in * stride;
    best = std::max(best, in * stride);
  }
  return static_cast<int>(std::min<int64_t>(best, 1 << 16));
}

// The op that finally produces value v, looking through no-op wrappers.
std::string producing_op(const Graph& g, int v) {
  std::map<int, size_t> producer;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int o : g.nodes[i].outputs) producer[o] = i;
  for (int guard = 0; guard < 64 && v >= 0; ++guard) {
    auto it = producer.find(v);
    if (it == producer.end()) return "";
    const Node& n = g.nodes[it->second];
    if (n.op != OpType::Identity && n.op != OpType::Dropout && n.op != OpType::Reshape && n.op != OpType::Transpose)
      return op_name(n.op);
    v = n.inputs.empty() ? -1 : n.inputs[0];
  }
  return "";
}

}  // namespace

ModelInfo describe_model(Engine& engine, const std::string& output_name) {
  const Graph& g = EngineAccess::impl(engine).model;
  SEGRT_CHECK(g.inputs.size() == 1, InvalidInput, "segment needs a model with one image input; this one has ",
              g.inputs.size(), " inputs");
  ModelInfo m;
  const Value& in = g.value(g.inputs[0]);
  m.input_name = in.name;
  m.input_shape = in.shape;
  m.input_layout = in.layout;
  int out = -1;
  std::string names;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    int id = g.outputs[i];
    names += (names.empty() ? "" : ", ") + g.value(id).name;
    if (out < 0 && (output_name.empty() || g.value(id).name == output_name)) {
      out = id;
      m.output_index = static_cast<int>(i);
    }
  }
  SEGRT_CHECK(out >= 0, InvalidInput, "the model has no output '", output_name, "' (outputs: ", names, ")");
  m.output_name = g.value(out).name;
  m.output_shape = g.value(out).shape;
  m.output_op = producing_op(g, out);
  m.total_stride = total_stride(g);
  return m;
}

}  // namespace segrt::app
