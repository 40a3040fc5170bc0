// Nearest 2x upsampling followed by a 2x2 'same' convolution (the Keras /
// classic U-Net up-convolution: pads top/left 0, bottom/right 1) becomes a
// sub-pixel convolution on the low-resolution input, exactly:
//
//   y = Conv2x2_pads(0,0,1,1)(Up2(x))        U[u, v] = x[u/2, v/2], 0 past the end
//   y[co, 2i+a, 2j+b] = B[co] + sum W[co,ci,di,dj] U[ci, 2i+a+di, 2j+b+dj]
//   row 2i+a+di reads x row i + (a+di)/2:  a=0: i, i      a=1: i, i+1
//   =>  t = Conv2x2_pads(0,0,1,1)(x; W', B'),  y = DepthToSpace_DCR_2(t)
//   W'[(2a+b)Co + co, ci, ei, ej] = sum over di with r(a,di) = ei, dj with r(b,dj) = ej
//   of W[co, ci, di, dj], where r(0, d) = 0 and r(1, d) = d;  B'[(2a+b)Co + co] = B[co]
//
// The same multiply-adds, but the 4x larger upsampled tensor (and its padded
// copy) is never written or read. The fused activation moves with the Conv
// (elementwise commutes with the pixel shuffle). Not in the default pipeline:
// the CUDA backend runs it on its own copy of the graph.
#include "ir/ops/resize_util.h"
#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

namespace pass_util {

bool is_nearest_2x(const Graph& g, const Node& n, bool nhwc) {
  if (n.attrs.s("mode", "nearest") != "nearest" || n.outputs.size() != 1) return false;
  const Value& x = g.value(n.inputs[0]);
  if (x.shape.size() != 4) return false;
  ResizeParams p;
  try {
    if (!constant_resize_params(g, n, &p)) return false;
  } catch (const Error&) {
    return false;
  }
  int h = nhwc ? 1 : 2;
  for (int a = 0; a < 4; ++a) {
    bool spatial = a == h || a == h + 1;
    if (p.out[a] != x.shape[a] * (spatial ? 2 : 1)) return false;
    if (!spatial) continue;
    for (int64_t o = 0; o < p.out[a]; ++o) {
      double c = resize_source_coord(p.coord_mode, static_cast<double>(o), p.scales[a], x.shape[a], p.roi_start[a],
                                     p.roi_end[a]);
      int64_t i = resize_nearest_index(p.nearest_mode, c);
      i = std::min(std::max<int64_t>(i, 0), x.shape[a] - 1);
      if (i != o / 2) return false;
    }
  }
  return true;
}

int add_value_like(Graph& g, const std::string& name, int x, int64_t channels, bool nhwc) {
  const Value xv = g.value(x);  // a copy: add_value grows the value list
  int t = g.add_value(g.unique_name(name));
  Value& tv = g.value(t);
  tv.dtype = xv.dtype;
  tv.layout = xv.layout;
  const Shape& s = xv.shape;
  tv.shape = nhwc ? Shape{s[0], s[1], s[2], channels} : Shape{s[0], channels, s[2], s[3]};
  tv.shape_known = true;
  return t;
}

Node& add_pixel_shuffle(Graph& g, const std::string& name, int t, int y, bool nhwc, const Node& like) {
  std::string source_name = like.source_name, source_op = like.source_op;  // add_node may move `like`
  Node& d2s = g.add_node(OpType::DepthToSpace, name, {t}, {y});
  d2s.attrs.set("blocksize", int64_t{2});
  d2s.attrs.set("mode", "DCR");
  if (nhwc) d2s.attrs.set("layout", "NHWC");
  d2s.source_name = std::move(source_name);
  d2s.source_op = std::move(source_op);
  return d2s;
}

}  // namespace pass_util

void fold_upsample_conv(Graph& g, PassLog& log) {
  auto rd = pass_util::readers(g);
  bool changed = false;
  for (size_t ci = 0; ci < g.nodes.size(); ++ci) {
    Node& conv = g.nodes[ci];
    if (!pass_util::is_unit_stride_f32_conv(g, conv)) continue;
    if (conv.attrs.ints("pads", {0, 0, 0, 0}) != std::vector<int64_t>{0, 0, 1, 1}) continue;
    const Tensor& w = g.value(conv.inputs[1]).constant;
    if (w.rank() != 4 || w.dim(2) != 2 || w.dim(3) != 2) continue;
    int up = conv.inputs[0];
    const Value& uv = g.value(up);
    if (uv.producer < 0 || pass_util::sole_reader(g, rd, up) != static_cast<int>(ci)) continue;
    const Node& rs = g.nodes[uv.producer];
    bool nhwc = conv.attrs.s("layout", "NCHW") == "NHWC";
    if (rs.op != OpType::Resize || !pass_util::is_nearest_2x(g, rs, nhwc)) continue;
    int x = rs.inputs[0];
    int64_t co = w.dim(0), cin = w.dim(1);
    Tensor w2(DType::f32, {4 * co, cin, 2, 2});
    const float* pw = w.data<float>();
    float* q = w2.data<float>();
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b)
        for (int64_t o = 0; o < co; ++o)
          for (int64_t c = 0; c < cin; ++c)
            for (int di = 0; di < 2; ++di)
              for (int dj = 0; dj < 2; ++dj) {
                int ei = a ? di : 0, ej = b ? dj : 0;
                q[((((2 * a + b) * co + o) * cin + c) * 2 + ei) * 2 + ej] += pw[((o * cin + c) * 2 + di) * 2 + dj];
              }
    Tensor b2(DType::f32, {4 * co});
    if (conv.inputs.size() > 2 && conv.inputs[2] >= 0) {
      auto b = g.value(conv.inputs[2]).constant.to_f64_vector();
      for (int k = 0; k < 4; ++k)
        for (int64_t o = 0; o < co; ++o) b2.data<float>()[k * co + o] = static_cast<float>(b[o]);
    }
    std::string base = conv.name + "_subpixel";
    int wid = g.add_constant(g.unique_name(base + "_w"), w2);
    int bid = g.add_constant(g.unique_name(base + "_b"), b2);
    int t = pass_util::add_value_like(g, base, x, 4 * co, nhwc);
    int y = conv.outputs[0];
    std::string conv_name = conv.name;
    conv.inputs = {x, wid, bid};
    conv.outputs = {t};
    pass_util::add_pixel_shuffle(g, base + "_shuffle", t, y, nhwc, g.nodes[ci]);
    log.note("fold_upsample_conv", conv_name + ": nearest 2x upsample + 2x2 conv -> sub-pixel conv + pixel shuffle");
    changed = true;
    rd = pass_util::readers(g);
  }
  if (changed) {
    g.topo_sort();
    remove_dead_nodes(g, log);
  }
}

}  // namespace segrt
