// The default pass pipeline, in the order the passes depend on each other.
#include "passes/pass.h"

namespace segrt {

void run_shape_passes(Graph& g, PassLog& log) {
  fold_constants(g, log);
  remove_identity(g, log);
  remove_dead_nodes(g, log);
}

void run_optimization_passes(Graph& g, PassLog& log) {
  (void)g;
  (void)log;
}

}  // namespace segrt
