// CPU backend vs the reference backend, op by op, on random data and awkward
// shapes (odd sizes, 1, 13, non-square, groups, NHWC): max relative error
// <= 1e-5 in fp32. Elementwise results are compared per element
// (|cpu - ref| / (|ref| + 1e-3)); results of long float32 sums (convolutions)
// relative to the output's magnitude, max |cpu - ref| / max |ref|, since a
// sum that cancels to almost zero has no meaningful per-element relative error.
#include "backend/backend.h"
#include "ir/activation.h"
#include "ops/op_tester.h"
#include "test_util.h"

#include <cmath>

namespace segrt {
namespace {

constexpr double kTol = 1e-5;

// The tolerance of these cases: 1e-5, per element or (sums) by magnitude.
test::Tol cpu_tol(bool reduction) {
  return test::Tol{.fp32 = kTol, .metric = reduction ? test::Metric::Magnitude : test::Metric::Elementwise};
}

struct ConvCase {
  Shape x;       // NCHW (or NHWC with nhwc)
  int64_t cout, k, stride, pad, dil, group;
  bool bias, nhwc;
  std::string act;  // fused via a following node
  bool residual;
};

Graph conv_graph(const ConvCase& cc, uint32_t seed) {
  Graph g;
  Layout l = cc.nhwc ? Layout::NHWC : Layout::NCHW;
  int x = g.add_input("x", DType::f32, cc.x, l);
  int64_t cin = cc.nhwc ? cc.x[3] : cc.x[1];
  int w = g.add_constant("w", test::random_tensor({cc.cout, cin / cc.group, cc.k, cc.k}, seed, -0.3f, 0.3f));
  std::vector<int> ins = {x, w};
  if (cc.bias) ins.push_back(g.add_constant("b", test::random_tensor({cc.cout}, seed + 1)));
  int y = g.add_value("conv_out");
  Node& n = g.add_node(OpType::Conv, "conv", ins, {y});
  n.attrs.set("kernel_shape", std::vector<int64_t>{cc.k, cc.k});
  n.attrs.set("strides", std::vector<int64_t>{cc.stride, cc.stride});
  n.attrs.set("pads", std::vector<int64_t>{cc.pad, cc.pad, cc.pad + 1, cc.pad});  // asymmetric on purpose
  n.attrs.set("dilations", std::vector<int64_t>{cc.dil, cc.dil});
  n.attrs.set("group", cc.group);
  if (cc.nhwc) n.attrs.set("layout", "NHWC");
  if (cc.residual) {
    int r = g.add_input("r", DType::f32, {}, l);  // shape fixed by the test's inputs
    int s = g.add_value("sum");
    g.add_node(OpType::Add, "add", {y, r}, {s});
    y = s;
  }
  if (!cc.act.empty()) {
    OpType op;
    op_from_name(cc.act, &op);
    int a = g.add_value("act");
    g.add_node(op, "act", {y}, {a});
    y = a;
  }
  g.outputs.push_back(y);
  return g;
}

TEST(CpuOps, ConvAwkwardShapes) {
  SEGRT_REQUIRE_CPU_BACKEND();
  std::vector<ConvCase> cases = {
      {{1, 1, 13, 17}, 5, 3, 1, 1, 1, 1, true, false, "", false},
      {{2, 3, 9, 7}, 17, 3, 2, 1, 1, 1, true, false, "Relu", false},
      {{1, 13, 8, 11}, 8, 1, 1, 0, 1, 1, false, false, "", false},
      {{1, 16, 12, 10}, 16, 3, 1, 2, 2, 1, true, false, "LeakyRelu", false},
      {{1, 8, 7, 7}, 12, 3, 1, 1, 1, 4, true, false, "Sigmoid", false},
      {{1, 32, 6, 5}, 32, 5, 1, 2, 1, 1, true, false, "Tanh", false},
      {{1, 9, 11, 3}, 7, 3, 1, 1, 1, 1, true, true, "Relu", false},  // NHWC
      {{1, 64, 16, 16}, 64, 3, 1, 1, 1, 1, true, false, "Relu", false},
      {{1, 1, 1, 1}, 3, 1, 1, 0, 1, 1, true, false, "", false},
      {{2, 13, 5, 7}, 2, 1, 1, 0, 1, 1, true, false, "Sigmoid", false},  // a class head (own kernel)
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const ConvCase& cc = cases[i];
    Graph g = conv_graph(cc, 10 + i);
    test::expect_matches_ref(g, {test::random_tensor(cc.x, 100 + i)},
        {.what = "conv case " + std::to_string(i), .backends = {"cpu"}, .tol = cpu_tol(true)});
  }
}

TEST(CpuOps, SegmentationHeadAfterBlockedConv) {
  SEGRT_REQUIRE_CPU_BACKEND();
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 16, 9, 11}, Layout::NCHW);
  int prev = x;
  std::vector<std::pair<int64_t, int64_t>> layers = {{16, 2}, {2, 1}};  // 3x3 16->2, then 1x1 2->1 + Sigmoid
  for (size_t i = 0; i < layers.size(); ++i) {
    int64_t k = i == 0 ? 3 : 1;
    int w = g.add_constant("w" + std::to_string(i), test::random_tensor({layers[i].second, layers[i].first, k, k}, 3 + i));
    int b = g.add_constant("b" + std::to_string(i), test::random_tensor({layers[i].second}, 5 + i));
    int y = g.add_value("y" + std::to_string(i));
    Node& n = g.add_node(OpType::Conv, "conv" + std::to_string(i), {prev, w, b}, {y});
    n.attrs.set("kernel_shape", std::vector<int64_t>{k, k});
    n.attrs.set("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2});
    prev = y;
  }
  int s = g.add_value("prob");
  g.add_node(OpType::Sigmoid, "sigmoid", {prev}, {s});
  g.outputs.push_back(s);
  test::expect_matches_ref(g, {test::random_tensor({1, 16, 9, 11}, 1)},
      {.what = "head", .backends = {"cpu"}, .tol = cpu_tol(true)});
}

TEST(CpuOps, ConvWithResidualAndRelu) {
  SEGRT_REQUIRE_CPU_BACKEND();
  for (bool nhwc : {false, true}) {
    ConvCase cc{nhwc ? Shape{1, 10, 9, 16} : Shape{1, 16, 10, 9}, 16, 3, 1, 1, 1, 1, true, nhwc, "Relu", true};
    Graph g = conv_graph(cc, 3);
    // pads (1,1,2,1) grow H by one: the residual has the conv's output shape.
    Shape rs = nhwc ? Shape{1, 11, 9, 16} : Shape{1, 16, 11, 9};
    g.value(g.inputs[1]).shape = rs;
    test::expect_matches_ref(g, {test::random_tensor(cc.x, 1), test::random_tensor(rs, 2)},
        {.what = nhwc ? "residual NHWC" : "residual NCHW", .backends = {"cpu"}, .tol = cpu_tol(true)});
  }
}

Graph single_node(OpType op, const std::vector<Shape>& in_shapes, const Attrs& attrs, Layout l = Layout::NCHW) {
  Graph g;
  std::vector<int> ins;
  for (size_t i = 0; i < in_shapes.size(); ++i)
    ins.push_back(g.add_input("x" + std::to_string(i), DType::f32, in_shapes[i], l));
  int y = g.add_value("y");
  g.add_node(op, "op", ins, {y}).attrs = attrs;
  g.outputs.push_back(y);
  return g;
}

std::vector<Tensor> randoms(const std::vector<Shape>& shapes, uint32_t seed) {
  std::vector<Tensor> r;
  for (auto& s : shapes) r.push_back(test::random_tensor(s, seed++, -2.f, 2.f));
  return r;
}

TEST(CpuOps, ConvTranspose) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct C { Shape x; int64_t cout, k, stride, pad, outpad, group; };
  std::vector<C> cases = {{{1, 8, 5, 7}, 4, 2, 2, 0, 0, 1}, {{1, 3, 6, 6}, 5, 3, 2, 1, 1, 1}, {{2, 4, 3, 5}, 6, 3, 1, 1, 0, 2}};
  for (size_t i = 0; i < cases.size(); ++i) {
    const C& cc = cases[i];
    Graph g;
    int x = g.add_input("x", DType::f32, cc.x, Layout::NCHW);
    int w = g.add_constant("w", test::random_tensor({cc.x[1], cc.cout / cc.group, cc.k, cc.k}, 7 + i));
    int b = g.add_constant("b", test::random_tensor({cc.cout}, 8 + i));
    int y = g.add_value("y");
    Node& n = g.add_node(OpType::ConvTranspose, "deconv", {x, w, b}, {y});
    n.attrs.set("kernel_shape", std::vector<int64_t>{cc.k, cc.k});
    n.attrs.set("strides", std::vector<int64_t>{cc.stride, cc.stride});
    n.attrs.set("pads", std::vector<int64_t>{cc.pad, cc.pad, cc.pad, cc.pad});
    n.attrs.set("output_padding", std::vector<int64_t>{cc.outpad, cc.outpad});
    n.attrs.set("group", cc.group);
    g.outputs.push_back(y);
    test::expect_matches_ref(g, {test::random_tensor(cc.x, 50 + i)},
        {.what = "deconv case " + std::to_string(i), .backends = {"cpu"}, .tol = cpu_tol(true)});
  }
}

TEST(CpuOps, Pools) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct C { OpType op; Shape x; int64_t k, s, pad; int64_t ceil, include_pad; };
  std::vector<C> cases = {
      {OpType::MaxPool, {1, 3, 8, 8}, 2, 2, 0, 0, 0},     {OpType::MaxPool, {2, 5, 13, 11}, 3, 2, 1, 1, 0},
      {OpType::AveragePool, {1, 4, 9, 7}, 3, 2, 1, 0, 0}, {OpType::AveragePool, {1, 4, 9, 7}, 3, 2, 1, 0, 1},
      {OpType::AveragePool, {1, 2, 7, 7}, 2, 2, 0, 1, 0},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const C& cc = cases[i];
    Attrs a;
    a.set("kernel_shape", std::vector<int64_t>{cc.k, cc.k});
    a.set("strides", std::vector<int64_t>{cc.s, cc.s});
    a.set("pads", std::vector<int64_t>{cc.pad, cc.pad, cc.pad, cc.pad});
    a.set("ceil_mode", cc.ceil);
    a.set("count_include_pad", cc.include_pad);
    test::expect_matches_ref(single_node(cc.op, {cc.x}, a), randoms({cc.x}, 3 + i),
        {.what = "pool case " + std::to_string(i), .backends = {"cpu"}, .tol = cpu_tol(false)});
  }
  test::expect_matches_ref(single_node(OpType::GlobalAveragePool, {{2, 13, 5, 3}}, {}), randoms({{2, 13, 5, 3}}, 1),
      {.what = "gap", .backends = {"cpu"}, .tol = cpu_tol(false)});
  test::expect_matches_ref(single_node(OpType::GlobalMaxPool, {{1, 7, 4, 9}}, {}), randoms({{1, 7, 4, 9}}, 2),
      {.what = "gmp", .backends = {"cpu"}, .tol = cpu_tol(false)});
}

TEST(CpuOps, Activations) {
  SEGRT_REQUIRE_CPU_BACKEND();
  for (OpType op : kActivationOps) {  // every SEGRT_ACT of ops.def; Sqrt on positive values below
    if (op == OpType::Sqrt) continue;
    Shape s = {2, 3, 7, 5};
    test::expect_matches_ref(single_node(op, {s}, {}), randoms({s}, 4),
        {.what = op_name(op), .backends = {"cpu"}, .tol = cpu_tol(false)});
  }
  Shape s = {1, 13, 5, 4};
  test::expect_matches_ref(single_node(OpType::Sqrt, {s}, {}), {test::random_tensor(s, 5, 0.f, 3.f)},
      {.what = "Sqrt", .backends = {"cpu"}, .tol = cpu_tol(false)});
}

TEST(CpuOps, BinaryWithBroadcasting) {
  SEGRT_REQUIRE_CPU_BACKEND();
  for (OpType op : {OpType::Add, OpType::Sub, OpType::Mul, OpType::Div, OpType::Max, OpType::Min}) {
    std::vector<std::vector<Shape>> shapes = {{{2, 3, 4, 5}, {2, 3, 4, 5}}, {{2, 3, 4, 5}, {3, 1, 1}},
                                              {{1, 13, 3, 3}, {1}}, {{5}, {2, 3, 5}}, {{7, 1}, {1, 6}}};
    for (size_t i = 0; i < shapes.size(); ++i) {
      auto in = randoms(shapes[i], 9);
      if (op == OpType::Div) in[1] = test::random_tensor(shapes[i][1], 9, 0.5f, 2.f);
      test::expect_matches_ref(single_node(op, shapes[i], {}), in,
          {.what = std::string(op_name(op)) + " case " + std::to_string(i), .backends = {"cpu"}, .tol = cpu_tol(false)});
    }
  }
}

TEST(CpuOps, ResizeNearestModes) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct C { std::string coord, nearest; std::vector<float> scales; };
  std::vector<C> cases = {{"asymmetric", "floor", {1, 1, 2, 2}},
                          {"half_pixel", "round_prefer_floor", {1, 1, 3, 2}},
                          {"asymmetric", "round_prefer_ceil", {1, 1, 0.5f, 1.5f}},
                          {"align_corners", "round_prefer_floor", {1, 1, 1.7f, 2.3f}},
                          {"pytorch_half_pixel", "floor", {1, 1, 2, 3}}};
  for (size_t i = 0; i < cases.size(); ++i) {
    Graph g;
    Shape xs = {1, 5, 6, 7};
    int x = g.add_input("x", DType::f32, xs, Layout::NCHW);
    int roi = g.add_constant("roi", Tensor(DType::f32, {0}));
    int sc = g.add_constant("scales", Tensor::from_vector(cases[i].scales, {4}));
    int y = g.add_value("y");
    Node& n = g.add_node(OpType::Resize, "resize", {x, roi, sc}, {y});
    n.attrs.set("mode", "nearest");
    n.attrs.set("coordinate_transformation_mode", cases[i].coord);
    n.attrs.set("nearest_mode", cases[i].nearest);
    g.outputs.push_back(y);
    test::expect_matches_ref(g, randoms({xs}, 6),
        {.what = "resize " + cases[i].coord + " " + cases[i].nearest, .backends = {"cpu"}, .tol = cpu_tol(false)});
  }
}

// A small U-Net block: conv -> pool -> conv -> nearest 2x -> concat with the
// skip -> conv -> softmax: blocked formats flow between oneDNN ops.
TEST(CpuOps, UNetBlockInBlockedFormats) {
  SEGRT_REQUIRE_CPU_BACKEND();
  for (int variant = 0; variant < 3; ++variant) {  // NCHW, NHWC, NCHW batch 2 (concat slices copied)
    bool nhwc = variant == 1;
    int64_t batch = variant == 2 ? 2 : 1;
    Graph g;
    Layout l = nhwc ? Layout::NHWC : Layout::NCHW;
    Shape xs = nhwc ? Shape{batch, 12, 10, 3} : Shape{batch, 3, 12, 10};
    int x = g.add_input("x", DType::f32, xs, l);
    auto conv = [&](const std::string& name, int in, int64_t cin, int64_t cout, uint32_t seed) {
      int w = g.add_constant(name + "_w", test::random_tensor({cout, cin, 3, 3}, seed, -0.3f, 0.3f));
      int b = g.add_constant(name + "_b", test::random_tensor({cout}, seed + 1));
      int c = g.add_value(name), r = g.add_value(name + "_relu");
      Node& n = g.add_node(OpType::Conv, name, {in, w, b}, {c});
      n.attrs.set("kernel_shape", std::vector<int64_t>{3, 3});
      n.attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
      if (nhwc) n.attrs.set("layout", "NHWC");
      g.add_node(OpType::Relu, name + "_act", {c}, {r});
      return r;
    };
    int skip = conv("c1", x, 3, 16, 1);
    int p = g.add_value("pool");
    Node& pn = g.add_node(OpType::MaxPool, "pool", {skip}, {p});
    pn.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
    pn.attrs.set("strides", std::vector<int64_t>{2, 2});
    if (nhwc) pn.attrs.set("layout", "NHWC");
    int c2 = conv("c2", p, 16, 24, 3);
    int roi = g.add_constant("roi", Tensor(DType::f32, {0}));
    std::vector<float> sc = nhwc ? std::vector<float>{1, 2, 2, 1} : std::vector<float>{1, 1, 2, 2};
    int scales = g.add_constant("scales", Tensor::from_vector(sc, {4}));
    int up = g.add_value("up");
    Node& rn = g.add_node(OpType::Resize, "up", {c2, roi, scales}, {up});
    rn.attrs.set("mode", "nearest");
    rn.attrs.set("coordinate_transformation_mode", "asymmetric");
    rn.attrs.set("nearest_mode", "floor");
    int cat = g.add_value("cat");
    g.add_node(OpType::Concat, "cat", {skip, up}, {cat}).attrs.set("axis", int64_t{nhwc ? 3 : 1});
    int c3 = conv("c3", cat, 40, 8, 5);
    int sm = g.add_value("prob");
    g.add_node(OpType::Sigmoid, "sigmoid", {c3}, {sm});
    g.outputs.push_back(sm);
    test::expect_matches_ref(g, randoms({xs}, 11),
        {.what = "U-Net block variant " + std::to_string(variant), .backends = {"cpu"}, .tol = cpu_tol(true)});
  }
}

TEST(CpuOps, UnsupportedOpsFallBackToReference) {
  SEGRT_REQUIRE_CPU_BACKEND();
  Attrs a;
  a.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  test::expect_matches_ref(single_node(OpType::Transpose, {{1, 3, 4, 5}}, a), randoms({{1, 3, 4, 5}}, 1),
      {.what = "transpose", .backends = {"cpu"}, .tol = cpu_tol(false)});
}

TEST(CpuOps, Bf16IsRefusedClearlyWithoutAvx512Bf16) {
  SEGRT_REQUIRE_CPU_BACKEND();
  Graph g = single_node(OpType::Relu, {{1, 4}}, {});
  try {
    auto out = test::run_backend("cpu", g, randoms({{1, 4}}, 1), "bf16");
    EXPECT_EQ(out.size(), 1u);  // a CPU with AVX512_BF16 runs it
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("AVX512_BF16"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace segrt
