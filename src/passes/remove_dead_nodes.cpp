// Dead-node removal: walks backwards from the graph outputs, keeping only
// nodes that contribute to them; constants nobody reads are dropped.
#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

void remove_dead_nodes(Graph& g, PassLog& log) {
  std::vector<char> live(g.values.size(), 0);
  for (int o : g.outputs) live[o] = 1;
  std::vector<char> keep(g.nodes.size(), 0);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node& n = g.nodes[i];
    for (int o : n.outputs) keep[i] |= live[o];
    if (keep[i])
      for (int in : n.inputs)
        if (in >= 0) live[in] = 1;
  }
  std::string names;
  int removed = 0;
  std::vector<char> drop(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!keep[i]) {
      if (removed < 8) names += (removed ? ", " : "") + g.nodes[i].name;
      ++removed;
      drop[i] = 1;
    }
  pass_util::erase_nodes(g, drop);
  for (size_t i = 0; i < g.values.size(); ++i)
    if (!live[i] && g.values[i].is_constant()) g.values[i].constant = Tensor();
  g.topo_sort();
  if (removed) log.note("remove_dead_nodes", "removed " + std::to_string(removed) + " nodes (" + names + (removed > 8 ? ", ..." : "") + ")");
}

}  // namespace segrt
