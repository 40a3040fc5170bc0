// A zero constant Pad of only the spatial axes that alone feeds a Conv becomes
// part of the Conv's own padding (Keras 'same' convolutions with even kernels
// are exported by PyTorch as F.pad + Conv):
//
//   Conv(Pad(x, p), pads=q)   =>   Conv(x, pads=q+p)
//
// The Conv must have explicit pads (no auto_pad); negative pads (crops) stay.
#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

// Spatial begin/end pads of a Pad node for a Conv of the given layout, or false.
bool spatial_pads(const Graph& g, const Node& pad, bool nhwc, std::vector<int64_t>* out) {
  if (pad.attrs.s("mode", "constant") != "constant" || pad.inputs.size() < 2 || pad.inputs[1] < 0) return false;
  const Value& pv = g.value(pad.inputs[1]);
  if (!pv.is_constant()) return false;
  if (pad.inputs.size() > 2 && pad.inputs[2] >= 0) {
    const Value& cv = g.value(pad.inputs[2]);
    if (!cv.is_constant() || cv.constant.numel() != 1 || cv.constant.to_f64_vector()[0] != 0.0) return false;
  }
  if (pad.inputs.size() > 3 && pad.inputs[3] >= 0) return false;  // axes input (opset 18)
  auto p = pv.constant.to_i64_vector();
  size_t rank = p.size() / 2;
  if (rank < 3 || p.size() != 2 * rank) return false;
  size_t first = nhwc ? 1 : 2, last = nhwc ? rank - 1 : rank;  // spatial axes [first, last)
  out->clear();
  for (size_t d = 0; d < rank; ++d) {
    bool spatial = d >= first && d < last;
    if (p[d] < 0 || p[d + rank] < 0) return false;
    if (!spatial && (p[d] != 0 || p[d + rank] != 0)) return false;
  }
  for (size_t d = first; d < last; ++d) out->push_back(p[d]);
  for (size_t d = first; d < last; ++d) out->push_back(p[d + rank]);
  return true;
}

}  // namespace

void fuse_pad_into_conv(Graph& g, PassLog& log) {
  auto rd = pass_util::readers(g);
  std::vector<char> drop(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& pad = g.nodes[i];
    if (pad.op != OpType::Pad || pad.outputs.size() != 1) continue;
    int r = pass_util::sole_reader(g, rd, pad.outputs[0]);
    if (r < 0) continue;
    Node& conv = g.nodes[r];
    if (conv.op != OpType::Conv || conv.inputs[0] != pad.outputs[0]) continue;
    if (conv.attrs.s("auto_pad", "NOTSET") != "NOTSET") continue;
    bool nhwc = conv.attrs.s("layout", "NCHW") == "NHWC";
    std::vector<int64_t> add;
    if (!spatial_pads(g, pad, nhwc, &add)) continue;
    size_t nsp = add.size() / 2;
    auto q = conv.attrs.ints("pads", std::vector<int64_t>(2 * nsp, 0));
    if (q.size() != add.size()) continue;
    for (size_t k = 0; k < q.size(); ++k) q[k] += add[k];
    conv.attrs.set("pads", q);
    conv.inputs[0] = pad.inputs[0];
    drop[i] = 1;
    log.note("fuse_pad_into_conv", std::string(pass_util::layer_name(pad)) + " merged into the padding of " +
                                       pass_util::layer_name(conv));
  }
  pass_util::erase_nodes(g, drop);
  g.topo_sort();
}

}  // namespace segrt
