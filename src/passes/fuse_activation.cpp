// An activation that alone reads a Conv / ConvTranspose / Gemm / MatMul / Add
// output is applied by the producer instead:
//
//   y = act(op(x...))   =>   y = op(x...) with fused_activation = act
//
// (attributes fused_activation / fused_alpha / fused_beta, see
// ir/activation.h; Clip's constant bounds become alpha / beta). A residual
// input (Conv's 4th) is added before the activation, so this pass runs after
// fuse_residual_add. The producer's result is float32 and is read by nobody else.
// The backend is asked (PassOptions::fusible) whether it computes the
// activation inside that producer: a oneDNN convolution takes only the
// activations oneDNN has as post-ops, and a declined fusion would put the
// whole convolution on the reference kernel.
#include "ir/activation.h"
#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

bool can_carry_activation(const Graph& g, const Node& n) {
  switch (n.op) {
    case OpType::Conv: case OpType::ConvTranspose: case OpType::Gemm: case OpType::MatMul: case OpType::Add: break;
    default: return false;
  }
  return n.outputs.size() == 1 && !n.attrs.has("fused_activation") && g.value(n.outputs[0]).dtype == DType::f32;
}

// The activation of node `a` as fusable attributes, or false (Clip with bounds computed at run time).
bool activation_of(const Graph& g, const Node& a, Activation* out) {
  if (!Activation::is_activation(a.op) || a.op == OpType::Identity || a.inputs.empty()) return false;
  for (size_t k = 1; k < a.inputs.size(); ++k)
    if (a.inputs[k] >= 0 && !g.value(a.inputs[k]).is_constant()) return false;
  *out = Activation::from_node(g, a);
  return true;
}

}  // namespace

void fuse_activation(Graph& g, PassLog& log, const ActivationFusible& fusible) {
  auto rd = pass_util::readers(g);
  std::vector<char> drop(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& p = g.nodes[i];
    if (!can_carry_activation(g, p)) continue;
    int r = pass_util::sole_reader(g, rd, p.outputs[0]);
    if (r < 0 || drop[r] || g.nodes[r].inputs[0] != p.outputs[0] || g.nodes[r].outputs.size() != 1) continue;
    Activation act;
    if (!activation_of(g, g.nodes[r], &act)) continue;
    if (fusible && !fusible(g, p, act)) {  // the backend runs it as its own node rather than on a slow path
      log.note("fuse_activation", std::string(pass_util::layer_name(g.nodes[r])) + " (" + op_name(act.op) +
                                      ") left unfused: the backend cannot compute it inside " + pass_util::layer_name(p));
      continue;
    }
    act.to_fused_attrs(p.attrs);
    p.outputs[0] = g.nodes[r].outputs[0];
    drop[r] = 1;
    log.note("fuse_activation", std::string(pass_util::layer_name(g.nodes[r])) + " (" + op_name(act.op) +
                                    ") fused into " + pass_util::layer_name(p));
  }
  pass_util::erase_nodes(g, drop);
  g.topo_sort();
}

}  // namespace segrt
