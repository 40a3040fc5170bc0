// float32 -> float16 weights and activations for export (`--precision fp16`),
// with float32 graph inputs and outputs:
//
//   x_f32 -> Cast(float16) -> graph in float16 -> Cast(float32) -> y_f32
//
// Constants read as Resize roi / scales stay float32 (ONNX types them apart
// from the data); Cast(to=float32) inside the graph now casts to float16, so
// the graph stays one float type end to end.
#include <map>

#include "core/parallel.h"
#include "passes/export_passes.h"

namespace segrt {

namespace {

bool keeps_f32(const Node& n, size_t slot) { return n.op == OpType::Resize && (slot == 1 || slot == 2); }

}  // namespace

void convert_to_fp16(Graph& g, PassLog& log) {
  std::map<int, int> half;  // f32 constant -> its f16 copy
  int weights = 0;
  auto half_of = [&](int c) {
    auto it = half.find(c);
    if (it != half.end()) return it->second;
    int h = g.add_constant(g.unique_name(g.value(c).name + "_fp16"), cast_bulk(g.value(c).constant, DType::f16));
    ++weights;
    return half[c] = h;
  };
  std::vector<char> float_only(g.values.size(), 0);  // read as Resize roi / scales
  for (const Node& n : g.nodes)
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (n.inputs[i] >= 0 && keeps_f32(n, i)) float_only[n.inputs[i]] = 1;
  std::vector<Node> out;
  std::map<int, int> alias;
  // Inputs: cast at the start; readers use the cast.
  for (int id : g.inputs) {
    if (g.value(id).dtype != DType::f32) continue;
    int h = g.add_value(g.unique_name(g.value(id).name + "_fp16"), DType::f16);
    g.value(h).shape = g.value(id).shape;
    g.value(h).shape_known = g.value(id).shape_known;
    Node c;
    c.op = OpType::Cast;
    c.name = g.unique_name(g.value(id).name + "_to_fp16");
    c.inputs = {id};
    c.outputs = {h};
    c.attrs.set("to", "float16");
    out.push_back(std::move(c));
    alias[id] = h;
  }
  std::map<int, int> out_half;  // f32 graph output -> the f16 value computing it
  for (Node& n : g.nodes) {
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      int& in = n.inputs[i];
      if (in < 0) continue;
      if (alias.count(in)) in = alias.at(in);
      const Value& v = g.value(in);
      if (v.is_constant() && v.constant.dtype() == DType::f32 && !keeps_f32(n, i)) in = half_of(in);
    }
    if (n.op == OpType::Cast && n.attrs.s("to", "") == "float32") n.attrs.set("to", "float16");
    bool keep_float = false;
    for (int o : n.outputs) keep_float |= o < static_cast<int>(float_only.size()) && float_only[o];
    if ((n.op == OpType::Constant || n.op == OpType::ConstantOfShape) && n.attrs.tensor("value") &&
        n.attrs.tensor("value")->dtype() == DType::f32 && !keep_float)
      n.attrs.set("value", n.attrs.tensor("value")->cast(DType::f16));
    for (int& o : n.outputs) {
      Value& ov = g.value(o);
      if (ov.dtype != DType::f32 || keep_float) continue;
      bool is_out = false;
      for (int go : g.outputs) is_out |= go == o;
      if (!is_out) {
        ov.dtype = DType::f16;
        continue;
      }
      int h = g.add_value(g.unique_name(ov.name + "_fp16"), DType::f16);
      out_half[o] = h;
      alias[o] = h;
      o = h;
    }
    out.push_back(std::move(n));
  }
  for (int o : g.outputs) {
    auto it = out_half.find(o);
    if (it == out_half.end()) continue;
    Node c;
    c.op = OpType::Cast;
    c.name = g.unique_name(g.value(o).name + "_to_fp32");
    c.inputs = {it->second};
    c.outputs = {o};
    c.attrs.set("to", "float32");
    out.push_back(std::move(c));
  }
  g.nodes = std::move(out);
  g.topo_sort();
  log.note("convert_to_fp16", std::to_string(weights) + " float32 constants stored as float16; float32 inputs and "
                                                        "outputs cast at the edges");
}

}  // namespace segrt
