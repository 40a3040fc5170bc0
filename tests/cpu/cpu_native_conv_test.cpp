// The CPU backend's 1-D / 3-D convolutions, ConvTranspose with a residual or
// output_padding past the pads,
// and 1-D / 3-D / dilated pooling (oneDNN) against the reference, with odd
// sizes, groups, strides, dilations, asymmetric pads, NHWC and batch > 1.
#include "cpu/cpu_native_util.h"

namespace segrt {
namespace {

using test::Metric;

struct ConvCase {
  OpType op;
  Shape x;  // channels-first, or channels-last with nhwc
  int64_t cout, k, stride, pad, dil, group;
  bool nhwc, residual;
  std::string act;
  int64_t output_padding = 0;
};

Graph conv_graph(const ConvCase& cc, uint32_t seed, Shape* residual_shape) {
  Graph g;
  const size_t sp = cc.x.size() - 2;
  int x = g.add_input("x", DType::f32, cc.x, cc.nhwc ? Layout::NHWC : Layout::NCHW);
  int64_t cin = cc.nhwc ? cc.x.back() : cc.x[1];
  bool tr = cc.op == OpType::ConvTranspose;
  Shape ws = tr ? Shape{cin, cc.cout / cc.group} : Shape{cc.cout, cin / cc.group};
  for (size_t i = 0; i < sp; ++i) ws.push_back(cc.k);
  std::vector<int> ins = {x, g.add_constant("w", test::random_tensor(ws, seed, -0.3f, 0.3f)),
                          g.add_constant("b", test::random_tensor({cc.cout}, seed + 1))};
  std::vector<int64_t> pads(2 * sp, cc.pad);
  pads[sp] = cc.pad + (tr ? 0 : 1);  // asymmetric on purpose (forward convolutions)
  if (cc.residual) ins.push_back(g.add_input("r", DType::f32, {}, cc.nhwc ? Layout::NHWC : Layout::NCHW));
  int y = g.add_value("y");
  Node& n = g.add_node(cc.op, "conv", ins, {y});
  n.attrs.set("kernel_shape", std::vector<int64_t>(sp, cc.k));
  n.attrs.set("strides", std::vector<int64_t>(sp, cc.stride));
  n.attrs.set("dilations", std::vector<int64_t>(sp, cc.dil));
  n.attrs.set("pads", pads);
  n.attrs.set("group", cc.group);
  if (tr) n.attrs.set("output_padding", std::vector<int64_t>(sp, cc.output_padding));
  if (cc.nhwc) n.attrs.set("layout", "NHWC");
  if (!cc.act.empty()) n.attrs.set("fused_activation", cc.act);
  g.outputs.push_back(y);
  if (residual_shape) {  // the output's shape: spatial sizes from the geometry
    Shape out = cc.x;
    for (size_t i = 0; i < sp; ++i) {
      size_t a = cc.nhwc ? 1 + i : 2 + i;
      int64_t eff = (cc.k - 1) * cc.dil + 1;
      out[a] = tr ? (cc.x[a] - 1) * cc.stride + cc.output_padding + eff - 2 * cc.pad
                  : (cc.x[a] + 2 * cc.pad + 1 - eff) / cc.stride + 1;
    }
    out[cc.nhwc ? out.size() - 1 : 1] = cc.cout;
    *residual_shape = out;
    if (cc.residual) g.value(g.inputs[1]).shape = out;
  }
  return g;
}

TEST(CpuNativeOps, Conv1DAnd3DAndConvTransposeResidual) {
  SEGRT_REQUIRE_CPU_BACKEND();
  using O = OpType;
  std::vector<ConvCase> cases = {
      {O::Conv, {1, 3, 17}, 8, 3, 1, 1, 1, 1, false, false, ""},
      {O::Conv, {2, 16, 13}, 16, 5, 2, 2, 1, 4, false, false, "Relu"},
      {O::Conv, {1, 11, 6}, 7, 3, 1, 2, 2, 1, true, false, ""},  // NWC, dilated
      {O::Conv, {1, 4, 5, 6, 7}, 8, 3, 1, 1, 1, 1, false, false, "Sigmoid"},
      {O::Conv, {2, 8, 4, 5, 3}, 8, 3, 2, 1, 1, 2, false, true, "Relu"},  // residual
      {O::Conv, {1, 3, 4, 6, 5}, 5, 3, 1, 1, 1, 1, true, false, ""},       // NDHWC
      {O::ConvTranspose, {1, 8, 9}, 4, 2, 2, 0, 1, 1, false, false, ""},
      {O::ConvTranspose, {2, 4, 3, 4, 5}, 6, 3, 2, 1, 1, 2, false, false, "Relu", 1},
      {O::ConvTranspose, {1, 6, 5, 7}, 4, 3, 2, 1, 1, 1, false, true, "", 1},   // 2-D with residual
      {O::ConvTranspose, {2, 5, 6, 3}, 3, 2, 2, 0, 1, 1, true, true, "Relu"},  // NHWC, residual
      // output_padding past the end pads: the last row / column is bias (+ activation) only
      {O::ConvTranspose, {1, 5, 4, 6}, 3, 2, 2, 0, 1, 1, false, false, "Sigmoid", 1},
      {O::ConvTranspose, {2, 16, 3, 5}, 16, 2, 3, 0, 1, 1, false, false, "", 2},
      {O::ConvTranspose, {1, 4, 5, 4}, 6, 2, 2, 0, 1, 2, true, false, "Relu", 1},  // NHWC, groups
      {O::ConvTranspose, {1, 3, 7}, 4, 1, 2, 0, 1, 1, false, false, "", 1},
      {O::ConvTranspose, {1, 2, 3, 2, 4}, 3, 2, 2, 0, 1, 1, false, false, "Tanh", 1},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const ConvCase& cc = cases[i];
    Shape rs;
    Graph g = conv_graph(cc, 5 + i, &rs);
    std::vector<Tensor> in = {test::random_tensor(cc.x, 100 + i)};
    if (cc.residual) in.push_back(test::random_tensor(rs, 200 + i));
    test::expect_matches_ref(g, in,
        {.what = "conv nd case " + std::to_string(i), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Magnitude}});
  }
}

TEST(CpuNativeOps, PoolingNDAndDilated) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct C { OpType op; Shape x; int64_t k, s, pad, dil, ceil, include_pad; bool nhwc; };
  std::vector<C> cases = {
      {OpType::MaxPool, {1, 3, 17}, 3, 2, 1, 1, 0, 0, false},
      {OpType::MaxPool, {2, 5, 4, 6, 7}, 2, 2, 0, 1, 1, 0, false},
      {OpType::MaxPool, {1, 4, 11, 9}, 3, 1, 2, 2, 0, 0, false},  // dilated 2-D
      {OpType::MaxPool, {2, 9, 10, 3}, 2, 2, 1, 3, 1, 0, true},    // dilated NHWC, ceil
      {OpType::AveragePool, {1, 6, 13}, 3, 2, 1, 1, 0, 1, false},
      {OpType::AveragePool, {1, 2, 5, 6, 7}, 3, 2, 1, 1, 1, 0, false},
      {OpType::AveragePool, {1, 3, 9, 8}, 2, 1, 1, 2, 0, 0, false},  // dilated average
      {OpType::GlobalAveragePool, {2, 5, 13}, 0, 0, 0, 1, 0, 0, false},
      {OpType::GlobalMaxPool, {1, 3, 4, 5, 6}, 0, 0, 0, 1, 0, 0, false},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const C& cc = cases[i];
    const size_t sp = cc.x.size() - 2;
    Graph g;
    int x = g.add_input("x", DType::f32, cc.x, cc.nhwc ? Layout::NHWC : Layout::NCHW);
    int y = g.add_value("y");
    Node& n = g.add_node(cc.op, "pool", {x}, {y});
    if (cc.k) {
      n.attrs.set("kernel_shape", std::vector<int64_t>(sp, cc.k));
      n.attrs.set("strides", std::vector<int64_t>(sp, cc.s));
      n.attrs.set("pads", std::vector<int64_t>(2 * sp, cc.pad));
      n.attrs.set("dilations", std::vector<int64_t>(sp, cc.dil));
      n.attrs.set("ceil_mode", cc.ceil);
      n.attrs.set("count_include_pad", cc.include_pad);
    }
    if (cc.nhwc) n.attrs.set("layout", "NHWC");
    g.outputs.push_back(y);
    bool avg = cc.op == OpType::AveragePool || cc.op == OpType::GlobalAveragePool;
    test::expect_matches_ref(g, {test::random_tensor(cc.x, 300 + i, -2.f, 2.f)},
        {.what = "pool nd case " + std::to_string(i), .backends = {"cpu"}, .tol = test::Tol{.metric = avg ? Metric::Magnitude : Metric::Elementwise}});
  }
}

}  // namespace
}  // namespace segrt
