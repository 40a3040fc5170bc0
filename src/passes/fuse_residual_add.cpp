// A residual Add that alone reads a Conv output becomes the Conv's 4th input,
// added after the bias and before any fused activation (docs/design.md):
//
//   y = Add(conv(x, W, b), r)   =>   y = Conv(x, W, b, r)
//
// r must have exactly the Add's output shape (no broadcasting) and be float32;
// the Conv must not yet carry an activation (it would apply before the add).
#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

void fuse_residual_add(Graph& g, PassLog& log) {
  auto rd = pass_util::readers(g);
  std::vector<char> drop(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if (conv.op != OpType::Conv || conv.outputs.size() != 1 || conv.attrs.has("fused_activation") ||
        conv.inputs.size() > 3)
      continue;
    int y = conv.outputs[0];
    int r = pass_util::sole_reader(g, rd, y);
    if (r < 0 || drop[r]) continue;
    const Node& add = g.nodes[r];
    if (add.op != OpType::Add || add.inputs.size() != 2 || add.attrs.has("fused_activation")) continue;
    if (add.inputs[0] == add.inputs[1]) continue;  // Add(y, y): y is read twice
    int other = add.inputs[0] == y ? add.inputs[1] : add.inputs[0];
    const Value& ov = g.value(other);
    const Value& out = g.value(add.outputs[0]);
    if (!ov.shape_known || ov.shape != out.shape || ov.dtype != DType::f32 || g.value(y).shape != out.shape) continue;
    if (ov.is_constant()) continue;  // a constant residual is a bias-like term; leave it to the Add
    conv.inputs.resize(3, -1);
    conv.inputs.push_back(other);
    conv.outputs[0] = add.outputs[0];
    drop[r] = 1;
    log.note("fuse_residual_add", std::string(pass_util::layer_name(add)) + " fused into " +
                                      pass_util::layer_name(conv) + " as its residual input");
  }
  pass_util::erase_nodes(g, drop);
  g.topo_sort();  // the residual may be computed after the Conv in the old order
}

}  // namespace segrt
