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
    if (!pass_util::zero_pad_spatial(g, pad, nhwc, &add)) continue;
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
