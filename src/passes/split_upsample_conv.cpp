// Nearest 2x upsampling followed by a 'same' convolution (the U-Net
// up-convolution: Keras 2x2 with pads 0,0,1,1, or 3x3 with pads 1) becomes
// four phase convolutions on the low-resolution input, exactly:
//
//   y = Conv_KxK,pads(Up2(x))          U[u, v] = x[u/2, v/2], 0 outside
//   y[o, 2i+a, 2j+b] = B[o] + sum W[o,c,kh,kw] U[c, 2i+a+kh-pt, 2j+b+kw-pl]
//   row 2i+a+kh-pt reads x row i + d(a,kh),  d(a,k) = floor((a + k - pt) / 2)
//   (a row outside U is exactly a row outside x, so padding stays zeros)
//   =>  t_ab = Conv_ab(x; W_ab, B), phase kernel rows d(a,.) - min d(a,.),
//       pads begin -min d(a,.), end max d(a,.);
//       W_ab[o, c, ei, ej] = sum of W[o, c, kh, kw] over d(a,kh) - lo_a = ei, d(b,kw) - lo_b = ej
//   y = DepthToSpace_DCR_2(Concat(t_00, t_01, t_10, t_11))
//
// For the 2x2 up-convolution the phase kernels are 1x1, 1x2, 2x1 and 2x2: 9
// multiply-adds per output where the original does 16 (3x3: 16 where it does
// 36), and the 4x larger upsampled tensor is never written. The Concat is
// left to concat_in_place (the phase convolutions write into its slices),
// DepthToSpace is one pass over the output. The fused activation moves to
// each phase (elementwise commutes with the shuffle). Not in the default
// pipeline: the CPU backend runs it on its own copy of the graph (the CUDA
// backend folds the same pattern into one sub-pixel convolution instead,
// fold_upsample_conv.cpp).
#include <algorithm>

#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

// Low-resolution offset of each kernel tap, per output phase, along one axis.
struct PhaseAxis {
  std::vector<int64_t> offset[2];  // offset[a][k] = d(a, k) - lo_a: the tap's row in the phase kernel
  int64_t size[2], pad_begin[2], pad_end[2];
};

PhaseAxis phase_axis(int64_t k, int64_t pad_begin) {
  PhaseAxis p;
  for (int a = 0; a < 2; ++a) {
    std::vector<int64_t> d(static_cast<size_t>(k));
    for (int64_t t = 0; t < k; ++t) {
      int64_t r = a + t - pad_begin;
      d[t] = r >= 0 ? r / 2 : -((-r + 1) / 2);  // floor(r / 2)
    }
    int64_t lo = *std::min_element(d.begin(), d.end()), hi = *std::max_element(d.begin(), d.end());
    for (auto& v : d) v -= lo;
    p.offset[a] = d;
    p.size[a] = hi - lo + 1;
    p.pad_begin[a] = -lo;
    p.pad_end[a] = hi;
  }
  return p;
}

}  // namespace

void split_upsample_conv(Graph& g, PassLog& log) {
  auto rd = pass_util::readers(g);
  bool changed = false;
  for (size_t ci = 0; ci < g.nodes.size(); ++ci) {
    const Node& conv = g.nodes[ci];
    if (!pass_util::is_unit_stride_f32_conv(g, conv)) continue;
    const Tensor w = g.value(conv.inputs[1]).constant;  // a copy: add_constant below grows the value list
    if (w.rank() != 4) continue;
    const int64_t O = w.dim(0), C = w.dim(1), KH = w.dim(2), KW = w.dim(3);
    auto pads = conv.attrs.ints("pads", {0, 0, 0, 0});
    // 'same' size only: one output pixel per upsampled pixel, so the four phases tile the output.
    if (pads.size() != 4 || pads[0] < 0 || pads[1] < 0 || pads[0] + pads[2] != KH - 1 || pads[1] + pads[3] != KW - 1) continue;
    int up = conv.inputs[0];
    const Value& uv = g.value(up);
    if (uv.producer < 0 || uv.dtype != DType::f32 || pass_util::sole_reader(g, rd, up) != static_cast<int>(ci)) continue;
    const Node& rs = g.nodes[uv.producer];
    const bool nhwc = conv.attrs.s("layout", "NCHW") == "NHWC";
    if (rs.op != OpType::Resize || !pass_util::is_nearest_2x(g, rs, nhwc)) continue;
    const int x = rs.inputs[0];
    const PhaseAxis ph = phase_axis(KH, pads[0]), pw = phase_axis(KW, pads[1]);
    const Node orig = conv;  // add_node below may move the node vector
    const float* pwt = w.data<float>();
    std::vector<int> phases;
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) {
        const int64_t kh = ph.size[a], kw = pw.size[b];
        Tensor wab(DType::f32, {O, C, kh, kw});
        float* q = wab.data<float>();
        for (int64_t o = 0; o < O; ++o)
          for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < KH; ++i)
              for (int64_t j = 0; j < KW; ++j)
                q[((o * C + c) * kh + ph.offset[a][i]) * kw + pw.offset[b][j]] += pwt[((o * C + c) * KH + i) * KW + j];
        std::string name = orig.name + "_phase" + std::to_string(a) + std::to_string(b);
        std::vector<int> in = {x, g.add_constant(g.unique_name(name + "_w"), wab)};
        if (orig.inputs.size() > 2) in.push_back(orig.inputs[2]);
        int t = pass_util::add_value_like(g, name, x, O, nhwc);
        Node& pc = g.add_node(OpType::Conv, name, in, {t});
        pc.attrs = orig.attrs;
        pc.attrs.set("kernel_shape", std::vector<int64_t>{kh, kw});
        pc.attrs.set("pads", std::vector<int64_t>{ph.pad_begin[a], pw.pad_begin[b], ph.pad_end[a], pw.pad_end[b]});
        pc.source_name = orig.source_name;
        pc.source_op = orig.source_op;
        phases.push_back(t);
      }
    int t = pass_util::add_value_like(g, orig.name + "_phases", x, 4 * O, nhwc);
    Node& cat = g.add_node(OpType::Concat, orig.name + "_phases", phases, {t});
    cat.attrs.set("axis", int64_t{nhwc ? 3 : 1});
    pass_util::add_pixel_shuffle(g, orig.name + "_shuffle", t, orig.outputs[0], nhwc, orig);
    g.nodes[ci].outputs.clear();  // the original Conv and its Resize are dead now
    g.nodes[ci].inputs.clear();
    log.note("split_upsample_conv", std::string(pass_util::layer_name(orig)) + ": nearest 2x upsample + " +
                                        std::to_string(KH) + "x" + std::to_string(KW) +
                                        " conv -> 4 phase convs on the low-resolution input + pixel shuffle");
    changed = true;
    rd = pass_util::readers(g);
  }
  if (changed) {
    g.topo_sort();
    remove_dead_nodes(g, log);
  }
}

}  // namespace segrt
