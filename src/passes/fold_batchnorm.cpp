// BatchNormalization after a Conv / ConvTranspose folds into the weights:
//
//   y = gamma * (conv(x, W) + b - mean) / sqrt(var + eps) + beta
//     = conv(x, W * s) + (b - mean) * s + beta,     s = gamma / sqrt(var + eps)
//
// per output channel o (Conv weights OIHW: scale W[o, ...]; ConvTranspose
// weights IOHW with groups: output channel o = g * O/G + j is W[i, j, ...] for
// the input channels i of group g). The convolution must feed only the BN,
// carry no fused activation or residual yet, and have constant f32 weights.
#include <cmath>

#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

bool fold_one(Graph& g, Node& conv, const Node& bn) {
  if (conv.attrs.has("fused_activation") || conv.inputs.size() > 3) return false;
  if (conv.inputs.size() < 2 || !pass_util::is_f32_constant(g, conv.inputs[1])) return false;
  bool has_bias = conv.inputs.size() > 2 && conv.inputs[2] >= 0;
  if (has_bias && !pass_util::is_f32_constant(g, conv.inputs[2])) return false;
  for (int k = 1; k <= 4; ++k)
    if (bn.inputs.size() <= static_cast<size_t>(k) || !pass_util::is_f32_constant(g, bn.inputs[k])) return false;
  if (bn.outputs.size() != 1) return false;  // training-mode outputs
  if (conv.attrs.s("layout", "NCHW") != bn.attrs.s("layout", "NCHW")) return false;

  const Tensor& w = g.value(conv.inputs[1]).constant;
  if (w.rank() < 3) return false;
  bool transposed = conv.op == OpType::ConvTranspose;
  int64_t groups = conv.attrs.i("group", 1);
  int64_t out_ch = transposed ? w.dim(1) * groups : w.dim(0);
  auto gamma = g.value(bn.inputs[1]).constant.to_f64_vector();
  auto beta = g.value(bn.inputs[2]).constant.to_f64_vector();
  auto mean = g.value(bn.inputs[3]).constant.to_f64_vector();
  auto var = g.value(bn.inputs[4]).constant.to_f64_vector();
  if (static_cast<int64_t>(gamma.size()) != out_ch || beta.size() != gamma.size() || mean.size() != gamma.size() ||
      var.size() != gamma.size())
    return false;
  double eps = bn.attrs.f("epsilon", 1e-5);
  std::vector<double> s(gamma.size());
  for (size_t o = 0; o < s.size(); ++o) s[o] = gamma[o] / std::sqrt(var[o] + eps);

  Tensor nw = w.clone();  // constants may be shared with the imported model: never write in place
  float* pw = nw.data<float>();
  int64_t spatial = 1;
  for (int d = 2; d < w.rank(); ++d) spatial *= w.dim(d);
  if (!transposed) {
    for (int64_t o = 0; o < out_ch; ++o)
      for (int64_t k = 0; k < w.dim(1) * spatial; ++k) pw[o * w.dim(1) * spatial + k] *= static_cast<float>(s[o]);
  } else {
    int64_t in_ch = w.dim(0), per_group_in = in_ch / groups, per_group_out = w.dim(1);
    for (int64_t i = 0; i < in_ch; ++i)
      for (int64_t j = 0; j < per_group_out; ++j) {
        float f = static_cast<float>(s[(i / per_group_in) * per_group_out + j]);
        float* p = pw + (i * per_group_out + j) * spatial;
        for (int64_t k = 0; k < spatial; ++k) p[k] *= f;
      }
  }
  std::vector<double> b(out_ch, 0.0);
  if (has_bias) b = g.value(conv.inputs[2]).constant.to_f64_vector();
  std::vector<float> nb(out_ch);
  for (int64_t o = 0; o < out_ch; ++o) nb[o] = static_cast<float>((b[o] - mean[o]) * s[o] + beta[o]);

  conv.inputs.resize(3);
  conv.inputs[1] = g.add_constant(g.unique_name(conv.name + "_bnfolded_w"), nw);
  conv.inputs[2] = g.add_constant(g.unique_name(conv.name + "_bnfolded_b"), Tensor::from_vector(nb, {out_ch}));
  conv.outputs[0] = bn.outputs[0];
  return true;
}

}  // namespace

void fold_batchnorm(Graph& g, PassLog& log) {
  auto rd = pass_util::readers(g);
  std::vector<char> drop(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if ((conv.op != OpType::Conv && conv.op != OpType::ConvTranspose) || conv.outputs.size() != 1) continue;
    int r = pass_util::sole_reader(g, rd, conv.outputs[0]);
    if (r < 0 || drop[r] || g.nodes[r].op != OpType::BatchNormalization || g.nodes[r].inputs[0] != conv.outputs[0])
      continue;
    const Node& bn = g.nodes[r];
    std::string bn_name = pass_util::layer_name(bn);
    if (!fold_one(g, conv, bn)) continue;
    drop[r] = 1;
    log.note("fold_batchnorm", bn_name + " folded into " + pass_util::layer_name(conv));
  }
  pass_util::erase_nodes(g, drop);
  g.topo_sort();
}

}  // namespace segrt
