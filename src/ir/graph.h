// The graph IR: values (tensors, with shape, dtype, layout and an optional
// constant) and nodes (an op from ops.def, typed attributes, input and output
// value ids). Nodes are kept in topological order. A Graph is a plain value:
// copying it is how the runtime specialises a model to concrete input shapes.
//
//   Graph g;
//   int x = g.add_input("x", DType::f32, {1, 3, -1, -1});
//   int w = g.add_constant("w", weights);
//   int y = g.add_value("y");
//   g.add_node(OpType::Conv, "conv1", {x, w}, {y}).attrs.set("pads", ...);
//   g.outputs.push_back(y);
#pragma once
#include <string>
#include <vector>

#include "ir/attr.h"
#include "ir/op.h"
#include "segrt/tensor.h"

namespace segrt {

struct Value {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;               // -1 marks a dimension unknown until run time
  bool shape_known = false;  // rank and dims inferred (dims may still be -1 before specialisation)
  Layout layout = Layout::Plain;
  Tensor constant;           // non-empty for initializers and folded values
  int producer = -1;         // index of the producing node, -1 for inputs and constants
  bool is_constant() const { return !constant.empty(); }
};

struct Node {
  OpType op = OpType::Identity;
  std::string name;
  std::vector<int> inputs;   // value ids; -1 marks an absent optional input
  std::vector<int> outputs;  // value ids
  Attrs attrs;
  // Where the node came from, for messages, inspect and compare: the layer
  // name and class in the source framework (Keras "conv2d_3"/"Conv2D", ONNX node name/op).
  std::string source_name;
  std::string source_op;
};

class Graph {
 public:
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<int> inputs;   // graph inputs (value ids), in the model's order
  std::vector<int> outputs;  // graph outputs (value ids)
  std::string source_file;   // for error messages
  std::string format;        // "onnx", "keras"
  std::string producer;      // e.g. "pytorch 2.0.1", "keras 2.4.0"

  int add_value(const std::string& name, DType dtype = DType::f32);
  int add_input(const std::string& name, DType dtype, const Shape& shape, Layout layout = Layout::Plain);
  int add_constant(const std::string& name, const Tensor& t);
  Node& add_node(OpType op, const std::string& name, std::vector<int> inputs, std::vector<int> outputs);

  // -1 when absent.
  int find_value(const std::string& name) const;
  // A value name not yet used, derived from `base`.
  std::string unique_name(const std::string& base) const;

  const Value& value(int id) const { return values.at(static_cast<size_t>(id)); }
  Value& value(int id) { return values.at(static_cast<size_t>(id)); }

  // Recomputes Value::producer and orders nodes topologically; throws
  // InvalidModel on a cycle or an input produced by nobody.
  void topo_sort();
  // Number of nodes reading each value (graph outputs count as a reader).
  std::vector<int> use_counts() const;
  // "in [1,3,8,8], [4,3,3,3] -> out [1,4,8,8]" for error messages.
  std::string describe_shapes(const Node& n) const;
  // Adds file/node context to an error raised while handling node `n`.
  Error& annotate(Error& e, const Node& n) const;
};

}  // namespace segrt
