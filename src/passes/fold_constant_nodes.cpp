// Constant folding that needs no input shape: a node whose inputs are all
// constants is evaluated with the reference kernels, whatever the graph's
// input sizes (export keeps dynamic sizes symbolic, so fold_constants, which
// specialises to concrete sizes, cannot run there).
#include "backend/ref/ref.h"
#include "ir/shape.h"
#include "passes/export_passes.h"

namespace segrt {

void fold_constant_nodes(Graph& g, PassLog& log) {
  std::vector<Node> kept;
  int folded = 0;
  for (auto& n : g.nodes) {
    bool all_constant = ref::kernel(n.op) != nullptr;
    for (int in : n.inputs) all_constant &= in < 0 || g.value(in).is_constant();
    if (!all_constant || n.inputs.empty()) {
      kept.push_back(std::move(n));
      continue;
    }
    std::vector<const Tensor*> in;
    for (int id : n.inputs) in.push_back(id >= 0 ? &g.value(id).constant : nullptr);
    for (int id : n.inputs)
      if (id >= 0) {
        g.value(id).shape = g.value(id).constant.shape();
        g.value(id).dtype = g.value(id).constant.dtype();
        g.value(id).shape_known = true;
      }
    infer_node(g, n);
    std::vector<Tensor> out = ref::run_node(g, n, in);
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      g.value(n.outputs[k]).constant = out[k];
      g.value(n.outputs[k]).producer = -1;
    }
    ++folded;
  }
  g.nodes = std::move(kept);
  g.topo_sort();
  if (folded) log.note("fold_constant_nodes", "folded " + std::to_string(folded) + " nodes into constants");
}

}  // namespace segrt
