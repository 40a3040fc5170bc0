// Identity and inference-mode Dropout forward their input unchanged:
//   y = Identity(x)  =>  readers of y read x.
// When y is a graph output the node stays (the output keeps its name).
#include "passes/pass.h"

namespace segrt {

void remove_identity(Graph& g, PassLog& log) {
  std::vector<char> is_output(g.values.size(), 0);
  for (int o : g.outputs) is_output[o] = 1;
  std::vector<int> alias(g.values.size());
  for (size_t i = 0; i < alias.size(); ++i) alias[i] = static_cast<int>(i);
  std::vector<Node> kept;
  int removed = 0;
  for (auto& n : g.nodes) {
    for (int& in : n.inputs)
      if (in >= 0) in = alias[in];
    bool passthrough = n.op == OpType::Identity || n.op == OpType::Dropout;
    // Dropout's optional mask output must be unread for the node to vanish.
    bool mask_unused = n.outputs.size() < 2;
    if (passthrough && mask_unused && !is_output[n.outputs[0]] && n.inputs[0] >= 0) {
      alias[n.outputs[0]] = n.inputs[0];
      ++removed;
      continue;
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  g.topo_sort();
  if (removed) log.note("remove_identity", "removed " + std::to_string(removed) + " Identity/Dropout nodes");
}

}  // namespace segrt
