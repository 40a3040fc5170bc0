// Helpers for pass tests: small graph builders and "run on the reference
// backend before and after the optimisation passes" (the ref kernels honour
// the fusion attributes, so both must agree).
#pragma once
#include "backend/backend.h"
#include "backend/ref/ref.h"
#include "ir/shape.h"
#include "passes/pass.h"
#include "runtime/engine_impl.h"
#include "test_util.h"

namespace segrt::test {

// The specialised graph for the inputs' shapes, optionally optimised.
inline Graph specialized(const Graph& g, const std::vector<Tensor>& inputs, bool optimize, PassLog* log) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  PassLog local;
  PassLog& l = log ? *log : local;
  Graph s = specialize(g, shapes, l);
  if (optimize) run_optimization_passes(s, l);
  return s;
}

inline std::vector<Tensor> run_ref_graph(const Graph& s, const std::vector<Tensor>& inputs) {
  auto exe = make_backend("ref")->compile(s, CompileOptions{});
  return exe->run(inputs, nullptr);
}

inline int count_ops(const Graph& g, OpType op) {
  int k = 0;
  for (const auto& n : g.nodes) k += n.op == op;
  return k;
}

inline const Node* first_node(const Graph& g, OpType op) {
  for (const auto& n : g.nodes)
    if (n.op == op) return &n;
  return nullptr;
}

// y = Conv(x, w[, b]) with 'same' padding for odd kernels.
inline int add_conv(Graph& g, const std::string& name, int x, int64_t cin, int64_t cout, int64_t k, uint32_t seed,
                    bool bias = true) {
  int w = g.add_constant(name + "_w", random_tensor({cout, cin, k, k}, seed, -0.5f, 0.5f));
  std::vector<int> in = {x, w};
  if (bias) in.push_back(g.add_constant(name + "_b", random_tensor({cout}, seed + 1)));
  int y = g.add_value(name + "_out");
  Node& n = g.add_node(OpType::Conv, name, in, {y});
  n.attrs.set("kernel_shape", std::vector<int64_t>{k, k});
  n.attrs.set("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2});
  return y;
}

inline int add_unary(Graph& g, OpType op, const std::string& name, int x) {
  int y = g.add_value(name + "_out");
  g.add_node(op, name, {x}, {y});
  return y;
}

// Skips (visibly) while an op's shape function or reference kernel has not landed.
#define SEGRT_REQUIRE_REF_KERNEL(Op)                                                      \
  if (!::segrt::ref::kernel(::segrt::OpType::Op) || !::segrt::shape_fn(::segrt::OpType::Op)) \
  GTEST_SKIP() << "no reference " #Op " kernel yet"

}  // namespace segrt::test
