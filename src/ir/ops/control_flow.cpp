// If, Loop and Scan have no shape function of their own: their outputs are
// whatever the subgraph they run computes, so they are expanded into plain
// nodes at specialisation (passes/inline_control_flow.cpp, from fold_constants)
// before anything asks for their shapes. Reaching one here means a caller
// inferred shapes without specialising first.
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_control_flow(InferContext& c) {
  SEGRT_FAIL(Unsupported, op_name(c.node().op), " has no shape before specialisation: it is expanded into the nodes "
             "of its subgraph once its condition or trip count is known (passes/inline_control_flow.cpp)");
}

}  // namespace

SEGRT_SHAPE_FN(If, infer_control_flow);
SEGRT_SHAPE_FN(Loop, infer_control_flow);
SEGRT_SHAPE_FN(Scan, infer_control_flow);

}  // namespace segrt
