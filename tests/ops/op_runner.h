// One-node graphs for op tests: feed some inputs at run time and others as
// constants (initializers), run on the reference backend, get every output.
//
//   auto out = run_op(OpType::Slice, {In(x), Const(i64({1}, {1})), Const(i64({3}, {1}))});
#pragma once
#include <string>
#include <vector>

#include "test_util.h"

namespace segrt::test {

struct In {
  Tensor t;               // empty: an absent optional input
  bool constant = false;  // an initializer instead of a graph input
  In() = default;
  In(Tensor x, bool c = false) : t(std::move(x)), constant(c) {}  // NOLINT: implicit on purpose
};
inline In Const(Tensor t) { return In(std::move(t), true); }
inline In Absent() { return In(); }

inline Tensor f32(const std::vector<float>& v, Shape s) { return Tensor::from_vector(v, std::move(s)); }
inline Tensor i64(const std::vector<int64_t>& v, Shape s) { return Tensor::from_i64(v, std::move(s)); }
inline std::vector<float> floats(const Tensor& t) {
  auto d = t.to_f64_vector();
  return std::vector<float>(d.begin(), d.end());
}
inline std::vector<int64_t> ints(const Tensor& t) { return t.to_i64_vector(); }

inline Graph one_op_graph(OpType op, const std::vector<In>& ins, const Attrs& attrs, int num_outputs) {
  Graph g;
  std::vector<int> ids;
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (ins[i].t.empty()) ids.push_back(-1);
    else if (ins[i].constant) ids.push_back(g.add_constant(name, ins[i].t));
    else ids.push_back(g.add_input(name, ins[i].t.dtype(), ins[i].t.shape()));
  }
  std::vector<int> outs;
  for (int k = 0; k < num_outputs; ++k) outs.push_back(g.add_value("out" + std::to_string(k)));
  g.add_node(op, "node", ids, outs).attrs = attrs;
  g.outputs = outs;
  return g;
}

// Runs op on the reference backend; throws segrt::Error like the engine would.
inline std::vector<Tensor> run_op(OpType op, const std::vector<In>& ins, const Attrs& attrs = {},
                                  int num_outputs = 1) {
  Graph g = one_op_graph(op, ins, attrs, num_outputs);
  std::vector<Tensor> feed;
  for (const auto& in : ins)
    if (!in.t.empty() && !in.constant) feed.push_back(in.t);
  return run_ref(g, feed);
}

// The ErrorKind and message of the error run_op raises ("" when none).
inline std::string run_op_error(OpType op, const std::vector<In>& ins, const Attrs& attrs = {},
                                int num_outputs = 1, ErrorKind* kind = nullptr) {
  try {
    run_op(op, ins, attrs, num_outputs);
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "";
}

inline Attrs attrs_of(std::initializer_list<std::pair<const char*, AttrValue>> kv) {
  Attrs a;
  for (const auto& [k, v] : kv) a.set_value(k, v);
  return a;
}

}  // namespace segrt::test
