// Graph construction helpers, topological sort and error annotation.
#include "ir/graph.h"

#include <unordered_map>

namespace segrt {

int Graph::add_value(const std::string& name, DType dtype) {
  Value v;
  v.name = name;
  v.dtype = dtype;
  values.push_back(std::move(v));
  return static_cast<int>(values.size()) - 1;
}

int Graph::add_input(const std::string& name, DType dtype, const Shape& shape, Layout layout) {
  int id = add_value(name, dtype);
  values[id].shape = shape;
  values[id].shape_known = true;
  values[id].layout = layout;
  inputs.push_back(id);
  return id;
}

int Graph::add_constant(const std::string& name, const Tensor& t) {
  int id = add_value(name, t.dtype());
  values[id].shape = t.shape();
  values[id].shape_known = true;
  values[id].constant = t;
  return id;
}

Node& Graph::add_node(OpType op, const std::string& name, std::vector<int> in, std::vector<int> out) {
  Node n;
  n.op = op;
  n.name = name;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.source_name = name;
  n.source_op = op_name(op);
  for (int o : n.outputs) values.at(static_cast<size_t>(o)).producer = static_cast<int>(nodes.size());
  nodes.push_back(std::move(n));
  return nodes.back();
}

int Graph::find_value(const std::string& name) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string Graph::unique_name(const std::string& base) const {
  if (find_value(base) < 0) return base;
  for (int k = 1;; ++k) {
    std::string c = base + "_" + std::to_string(k);
    if (find_value(c) < 0) return c;
  }
}

void Graph::topo_sort() {
  std::vector<int> producer(values.size(), -1);
  for (size_t i = 0; i < nodes.size(); ++i)
    for (int o : nodes[i].outputs) {
      if (producer[o] >= 0)
        SEGRT_FAIL(InvalidModel, "value '", values[o].name, "' is produced by two nodes ('",
                   nodes[producer[o]].name, "' and '", nodes[i].name, "')");
      producer[o] = static_cast<int>(i);
    }
  // Kahn's algorithm, stable with respect to the current order.
  std::vector<int> pending(nodes.size(), 0);
  std::vector<std::vector<int>> readers(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    for (int in : nodes[i].inputs) {
      if (in < 0) continue;
      int p = producer[in];
      if (p < 0) {
        const Value& v = values[in];
        bool is_input = false;
        for (int gi : inputs) is_input |= gi == in;
        if (!v.is_constant() && !is_input)
          SEGRT_FAIL(InvalidModel, "node '", nodes[i].name, "' (", op_name(nodes[i].op),
                     ") reads '", v.name, "', which is neither a graph input, an initializer nor produced by a node");
        continue;
      }
      pending[i]++;
      readers[p].push_back(static_cast<int>(i));
    }
  std::vector<int> order;
  std::vector<int> ready;
  for (size_t i = nodes.size(); i-- > 0;)
    if (!pending[i]) ready.push_back(static_cast<int>(i));
  while (!ready.empty()) {
    int n = ready.back();
    ready.pop_back();
    order.push_back(n);
    std::vector<int> next;
    for (int r : readers[n])
      if (--pending[r] == 0) next.push_back(r);
    for (auto it = next.rbegin(); it != next.rend(); ++it) ready.push_back(*it);
  }
  if (order.size() != nodes.size()) {
    for (size_t i = 0; i < nodes.size(); ++i)
      if (pending[i])
        SEGRT_FAIL(InvalidModel, "graph has a cycle through node '", nodes[i].name, "'");
  }
  std::vector<Node> sorted;
  sorted.reserve(nodes.size());
  for (int i : order) sorted.push_back(std::move(nodes[i]));
  nodes = std::move(sorted);
  for (auto& v : values) v.producer = -1;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (int o : nodes[i].outputs) values[o].producer = static_cast<int>(i);
}

std::vector<int> Graph::use_counts() const {
  std::vector<int> uses(values.size(), 0);
  for (const auto& n : nodes)
    for (int in : n.inputs)
      if (in >= 0) uses[in]++;
  for (int o : outputs) uses[o]++;
  return uses;
}

std::string Graph::describe_shapes(const Node& n) const {
  std::string s = "in ";
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (i) s += ", ";
    int id = n.inputs[i];
    if (id < 0) s += "-";
    else if (values[id].shape_known) s += shape_str(values[id].shape);
    else s += "?";
  }
  s += " -> out ";
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    if (i) s += ", ";
    const Value& v = values[n.outputs[i]];
    s += v.shape_known ? shape_str(v.shape) : std::string("?");
  }
  return s;
}

Error& Graph::annotate(Error& e, const Node& n) const {
  e.with_node(n.source_name.empty() ? n.name : n.source_name,
              n.source_op.empty() ? op_name(n.op) : n.source_op);
  e.with_shapes(describe_shapes(n));
  if (!source_file.empty()) e.with_file(source_file);
  return e;
}

}  // namespace segrt
