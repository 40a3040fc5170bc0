// Constant folding with shape inference: PyTorch exports compute shapes with
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains; once input shapes
// are concrete, all of those are constants and disappear here. Control flow
// whose condition is now known is expanded into plain nodes on the way
// (inline_control_flow.cpp), and those fold in turn.
#include <algorithm>

#include "backend/ref/ref.h"
#include "ir/shape.h"
#include "passes/pass.h"
#include "ir/ops/shape_util.h"

namespace segrt {

namespace {
bool all_inputs_constant(const Graph& g, const Node& n) {
  for (int in : n.inputs)
    if (in >= 0 && !g.value(in).is_constant()) return false;
  return true;
}

// Shape needs only the input's shape, not its data.
bool fold_shape_of_runtime_value(Graph& g, const Node& n) {
  if (n.op != OpType::Shape || n.inputs.empty() || n.inputs[0] < 0) return false;
  const Value& in = g.value(n.inputs[0]);
  if (!in.shape_known) return false;
  for (int64_t d : in.shape)
    if (d < 0) return false;
  return true;
}
}  // namespace

bool fold_node(Graph& g, Node& n) {
  infer_node(g, n);
  // DequantizeLinear of constant (quantized) weights stays: the int8 pass
  // (fuse_qdq_conv) needs the integer weights and folds the ones it leaves.
  bool foldable = (all_inputs_constant(g, n) && n.op != OpType::DequantizeLinear) ||
                  fold_shape_of_runtime_value(g, n);
  if (!foldable || !ref::kernel(n.op)) return false;
  std::vector<const Tensor*> in;
  for (int id : n.inputs)
    in.push_back(id >= 0 && g.value(id).is_constant() ? &g.value(id).constant : nullptr);
  if (n.op == OpType::Shape && !g.value(n.inputs[0]).is_constant()) {
    g.value(n.outputs[0]).constant = shape_op_value(n.attrs, g.value(n.inputs[0]).shape);
  } else {
    std::vector<Tensor> out = ref::run_node(g, n, in);
    for (size_t k = 0; k < n.outputs.size(); ++k) g.value(n.outputs[k]).constant = out[k];
  }
  for (int o : n.outputs) g.value(o).producer = -1;
  return true;
}

void fold_constants(Graph& g, PassLog& log, int64_t* unroll_budget) {
  int64_t own_budget = kMaxUnrolledNodes;
  int64_t& budget = unroll_budget ? *unroll_budget : own_budget;
  std::vector<Node> kept;
  std::vector<Node> pending(std::make_move_iterator(g.nodes.rbegin()), std::make_move_iterator(g.nodes.rend()));
  g.nodes.clear();
  int folded = 0;
  while (!pending.empty()) {  // taken from the back: nodes in order, expansions first
    Node n = std::move(pending.back());
    pending.pop_back();
    if (has_subgraphs(n.op)) {
      std::vector<Node> plain;
      try {
        plain = expand_control_flow(g, n, log, budget);
      } catch (Error& e) {
        g.annotate(e, n);  // the innermost node named wins
        throw;             // keeps the dynamic type (NeedsConstant)
      }
      for (auto it = plain.rbegin(); it != plain.rend(); ++it) pending.push_back(std::move(*it));
      continue;
    }
    if (fold_node(g, n)) ++folded;
    else kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int o : g.nodes[i].outputs) g.value(o).producer = static_cast<int>(i);
  if (folded) log.note("fold_constants", "folded " + std::to_string(folded) + " nodes into constants");
}

}  // namespace segrt
