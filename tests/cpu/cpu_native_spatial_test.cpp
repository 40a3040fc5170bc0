// The CPU backend's own spatial kernels against the reference: linear / cubic
// Resize in every coordinate mode, BatchNormalization (unfolded) and
// InstanceNormalization, on plain NCHW / NHWC inputs and on oneDNN's blocked
// formats (an exact identity 1x1 convolution + Relu in front puts the input
// into nChw8c / nChw16c), with odd sizes and batch > 1.
#include "cpu/cpu_native_util.h"

namespace segrt {
namespace {

using test::blocked;

struct ResizeCase {
  std::string mode, coord;
  std::vector<float> scales;  // H, W
  double cubic_a = -0.75;
  int64_t exclude_outside = 0;
  std::vector<float> roi;  // tf_crop_and_resize: H, W starts then ends
};

Graph resize_graph(const ResizeCase& rc, Shape xs, bool nhwc, bool block) {
  Graph g;
  Layout l = nhwc ? Layout::NHWC : Layout::NCHW;
  int x = g.add_input("x", DType::f32, xs, l);
  int64_t ch = nhwc ? xs[3] : xs[1];
  if (block) x = blocked(g, x, ch, nhwc);
  std::vector<float> sc = nhwc ? std::vector<float>{1, rc.scales[0], rc.scales[1], 1}
                                : std::vector<float>{1, 1, rc.scales[0], rc.scales[1]};
  std::vector<float> roi;
  if (!rc.roi.empty())
    roi = nhwc ? std::vector<float>{0, rc.roi[0], rc.roi[1], 0, 1, rc.roi[2], rc.roi[3], 1}
               : std::vector<float>{0, 0, rc.roi[0], rc.roi[1], 1, 1, rc.roi[2], rc.roi[3]};
  int roi_v = g.add_constant("roi", Tensor::from_vector(roi, {static_cast<int64_t>(roi.size())}));
  int scales = g.add_constant("scales", Tensor::from_vector(sc, {4}));
  int y = g.add_value("y");
  Node& n = g.add_node(OpType::Resize, "resize", {x, roi_v, scales}, {y});
  n.attrs.set("mode", rc.mode);
  n.attrs.set("coordinate_transformation_mode", rc.coord);
  n.attrs.set("nearest_mode", "round_prefer_floor");
  n.attrs.set("cubic_coeff_a", rc.cubic_a);
  n.attrs.set("exclude_outside", rc.exclude_outside);
  n.attrs.set("extrapolation_value", 0.25);
  g.outputs.push_back(y);
  return g;
}

TEST(CpuNativeOps, ResizeLinearAndCubicEveryCoordinateMode) {
  SEGRT_REQUIRE_CPU_BACKEND();
  std::vector<ResizeCase> cases = {
      {"linear", "half_pixel", {2, 2}},
      {"linear", "align_corners", {2, 2}},
      {"linear", "asymmetric", {1.5f, 2.5f}},
      {"linear", "pytorch_half_pixel", {2, 3}},
      {"linear", "half_pixel", {0.5f, 0.6f}},  // downscale
      {"cubic", "tf_crop_and_resize", {1.7f, 2}, -0.75, 0, {0.f, 0.3f, 1.f, 0.7f}},
      {"linear", "tf_crop_and_resize", {1.5f, 2}, -0.75, 0, {0.1f, -0.2f, 0.9f, 1.3f}},
      {"cubic", "half_pixel", {2, 2}},
      {"cubic", "align_corners", {1.3f, 2}, -0.5},
      {"cubic", "asymmetric", {2, 0.7f}, -0.75, 1},
      {"cubic", "pytorch_half_pixel", {3, 3}, -0.75, 1},
      {"nearest", "tf_crop_and_resize", {2, 1.5f}, -0.75, 0, {0.2f, 0.f, 0.8f, 1.f}},
  };
  int k = 0;
  for (const ResizeCase& rc : cases)
    for (int variant = 0; variant < 4; ++variant) {  // NCHW, NHWC, blocked NCHW, blocked NHWC (batch 2)
      bool nhwc = variant % 2 == 1, block = variant >= 2;
      Shape xs = nhwc ? Shape{variant == 3 ? 2 : 1, 7, 5, 11} : Shape{variant == 2 ? 1 : 2, 11, 7, 5};
      Graph g = resize_graph(rc, xs, nhwc, block);
      test::expect_matches_ref(g, {test::random_tensor(xs, 40 + k++, -2.f, 2.f)},
          {.what = rc.mode + " " + rc.coord + " variant " + std::to_string(variant), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    }
}

// 1-D and 3-D images (rank 3 and 5): linear / trilinear, cubic, nearest,
// channels first and last, blocked (an identity 1x1x1 convolution in front).
TEST(CpuNativeOps, ResizeRank3And5) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct C { Shape x; std::string mode, coord; bool nhwc, block; };
  std::vector<C> cases = {
      {{2, 3, 11}, "linear", "half_pixel", false, false},     {{1, 5, 7}, "cubic", "align_corners", true, false},
      {{1, 3, 4, 5, 6}, "linear", "half_pixel", false, false}, {{2, 4, 3, 5, 9}, "linear", "align_corners", true, false},
      {{1, 13, 3, 4, 5}, "linear", "pytorch_half_pixel", false, true},
      {{1, 2, 3, 3, 4}, "nearest", "asymmetric", false, false}, {{1, 3, 3, 4, 2}, "cubic", "half_pixel", false, false},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const C& cc = cases[i];
    const size_t r = cc.x.size(), sp = r - 2;
    Graph g;
    int x = g.add_input("x", DType::f32, cc.x, cc.nhwc ? Layout::NHWC : Layout::NCHW);
    if (cc.block) x = blocked(g, x, cc.x[1], false, sp);
    std::vector<float> sc(r, 1.f);
    for (size_t k = 0; k < sp; ++k) sc[cc.nhwc ? 1 + k : 2 + k] = k == 0 ? 2.f : 1.5f;
    int roi = g.add_constant("roi", Tensor(DType::f32, {0}));
    int scales = g.add_constant("scales", Tensor::from_vector(sc, {static_cast<int64_t>(r)}));
    int y = g.add_value("y");
    Node& n = g.add_node(OpType::Resize, "resize", {x, roi, scales}, {y});
    n.attrs.set("mode", cc.mode);
    n.attrs.set("coordinate_transformation_mode", cc.coord);
    n.attrs.set("nearest_mode", "floor");
    g.outputs.push_back(y);
    test::expect_matches_ref(g, {test::random_tensor(cc.x, 20 + i, -2.f, 2.f)},
        {.what = "rank " + std::to_string(r) + " " + cc.mode + " case " + std::to_string(i), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  }
}

TEST(CpuNativeOps, ResizeBilinearUpsampleBySizes) {
  SEGRT_REQUIRE_CPU_BACKEND();
  // A decoder's upsample to the skip's size (sizes input, odd target).
  Graph g;
  Shape xs = {1, 16, 9, 13};
  int x = blocked(g, g.add_input("x", DType::f32, xs, Layout::NCHW), 16, false);
  int roi = g.add_constant("roi", Tensor(DType::f32, {0}));
  int scales = g.add_constant("scales", Tensor(DType::f32, {0}));
  int sizes = g.add_constant("sizes", Tensor::from_i64({1, 16, 19, 27}, {4}));
  int y = g.add_value("y");
  Node& n = g.add_node(OpType::Resize, "up", {x, roi, scales, sizes}, {y});
  n.attrs.set("mode", "linear");
  n.attrs.set("coordinate_transformation_mode", "align_corners");
  g.outputs.push_back(y);
  test::expect_matches_ref(g, {test::random_tensor(xs, 3, -2.f, 2.f)},
      {.what = "bilinear by sizes", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
}

Graph norm_graph(OpType op, Shape xs, bool nhwc, bool block, uint32_t seed) {
  Graph g;
  Layout l = nhwc ? Layout::NHWC : Layout::NCHW;
  int x = g.add_input("x", DType::f32, xs, l);
  int64_t ch = nhwc ? xs.back() : xs[1];
  if (block) x = blocked(g, x, ch, nhwc);
  std::vector<int> ins = {x, g.add_constant("scale", test::random_tensor({ch}, seed, 0.5f, 2.f)),
                          g.add_constant("bias", test::random_tensor({ch}, seed + 1, -1.f, 1.f))};
  if (op == OpType::BatchNormalization) {
    ins.push_back(g.add_constant("mean", test::random_tensor({ch}, seed + 2, -0.5f, 0.5f)));
    ins.push_back(g.add_constant("var", test::random_tensor({ch}, seed + 3, 0.1f, 2.f)));
  }
  int y = g.add_value("y");
  Node& n = g.add_node(op, "norm", ins, {y});
  n.attrs.set("epsilon", 1e-3);
  if (nhwc) n.attrs.set("layout", "NHWC");
  g.outputs.push_back(y);
  return g;
}

TEST(CpuNativeOps, BatchNormAndInstanceNormInEveryFormat) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct C { Shape x; bool nhwc, block; };
  std::vector<C> cases = {
      {{2, 3, 7, 5}, false, false}, {{1, 13, 9, 11}, false, true}, {{2, 20, 5, 3}, false, true},
      {{1, 6, 5, 13}, true, false}, {{2, 5, 7, 24}, true, true},   {{1, 1, 1, 1}, false, false},
      {{3, 4, 17}, false, false},   {{2, 3, 4, 5, 6}, false, false}, {{2, 4, 3, 5, 7}, true, false},
  };
  for (OpType op : {OpType::BatchNormalization, OpType::InstanceNormalization})
    for (size_t i = 0; i < cases.size(); ++i) {
      const C& cc = cases[i];
      if (op == OpType::InstanceNormalization && shape_numel(cc.x) == 1) continue;  // variance 0 of one pixel: fine, but dull
      Graph g = norm_graph(op, cc.x, cc.nhwc, cc.block, 7 + i);
      test::expect_matches_ref(g, {test::random_tensor(cc.x, 70 + i, -2.f, 2.f)},
          {.what = std::string(op_name(op)) + " case " + std::to_string(i), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    }
  // Parameters computed at run time (graph inputs), on a blocked input.
  for (OpType op : {OpType::BatchNormalization, OpType::InstanceNormalization}) {
    Graph g;
    Shape xs = {2, 11, 5, 6};
    int x = blocked(g, g.add_input("x", DType::f32, xs, Layout::NCHW), 11, false);
    size_t nparams = op == OpType::BatchNormalization ? 4 : 2;
    std::vector<int> ins = {x};
    std::vector<Tensor> in = {test::random_tensor(xs, 3, -2.f, 2.f)};
    for (size_t k = 0; k < nparams; ++k) {
      ins.push_back(g.add_input("p" + std::to_string(k), DType::f32, {11}));
      in.push_back(test::random_tensor({11}, 10 + k, 0.5f, 2.f));
    }
    int y = g.add_value("y");
    g.add_node(op, "norm", ins, {y});
    g.outputs.push_back(y);
    test::expect_matches_ref(g, in,
        {.what = std::string(op_name(op)) + " with run-time parameters", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  }
  // BatchNorm over [N, C] (after a Flatten / Gemm).
  Graph g = norm_graph(OpType::BatchNormalization, {4, 9}, false, false, 3);
  test::expect_matches_ref(g, {test::random_tensor({4, 9}, 5, -2.f, 2.f)},
      {.what = "BN [N, C]", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
}


// A decoder stage as segmentation nets write it, every node native and the
// formats flowing between oneDNN and the own kernels: conv -> ReLU -> BatchNorm
// (after the activation, so not folded) -> reflect Pad -> conv (no pads) ->
// bilinear 2x -> concat with the skip -> conv -> InstanceNorm -> PRelu ->
// 1x1 class conv -> Softmax; ArgMax of the logits as a second output.
TEST(CpuNativeOps, DecoderStageAllNative) {
  SEGRT_REQUIRE_CPU_BACKEND();
  for (int64_t batch : {1, 2}) {
    Graph g;
    Shape xs = {batch, 3, 10, 14};
    int x = g.add_input("x", DType::f32, xs, Layout::NCHW);
    uint32_t seed = 1;
    auto conv = [&](int in, int64_t cin, int64_t cout, int64_t k, int64_t pad) {
      int w = g.add_constant("w" + std::to_string(seed), test::random_tensor({cout, cin, k, k}, seed, -0.3f, 0.3f));
      int b = g.add_constant("b" + std::to_string(seed), test::random_tensor({cout}, seed + 100));
      int y = g.add_value("conv" + std::to_string(seed++));
      Node& n = g.add_node(OpType::Conv, g.value(y).name, {in, w, b}, {y});
      n.attrs.set("kernel_shape", std::vector<int64_t>{k, k});
      n.attrs.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
      return y;
    };
    auto node = [&](OpType op, std::vector<int> ins, DType dt = DType::f32) {
      int y = g.add_value(std::string(op_name(op)) + std::to_string(seed++), dt);
      g.add_node(op, g.value(y).name, ins, {y});
      return y;
    };
    auto cst = [&](const Tensor& t) { return g.add_constant("c" + std::to_string(seed++), t); };
    int skip = node(OpType::Relu, {conv(x, 3, 16, 3, 1)});
    int bn = node(OpType::BatchNormalization, {skip, cst(test::random_tensor({16}, 1, 0.5f, 2.f)),
                                               cst(test::random_tensor({16}, 2)), cst(test::random_tensor({16}, 3)),
                                               cst(test::random_tensor({16}, 4, 0.5f, 2.f))});
    int pool = node(OpType::MaxPool, {bn});
    g.nodes.back().attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
    g.nodes.back().attrs.set("strides", std::vector<int64_t>{2, 2});
    int padded = node(OpType::Pad, {pool, cst(Tensor::from_i64({0, 0, 1, 1, 0, 0, 1, 1}, {8}))});
    g.nodes.back().attrs.set("mode", "reflect");
    int low = node(OpType::Relu, {conv(padded, 16, 24, 3, 0)});
    int up = node(OpType::Resize, {low, cst(Tensor(DType::f32, {0})), cst(Tensor::from_vector({1, 1, 2, 2}, {4}))});
    g.nodes.back().attrs.set("mode", "linear");
    g.nodes.back().attrs.set("coordinate_transformation_mode", "half_pixel");
    int cat = node(OpType::Concat, {bn, up});
    g.nodes.back().attrs.set("axis", int64_t{1});
    int in = node(OpType::InstanceNormalization, {conv(cat, 40, 8, 3, 1), cst(test::random_tensor({8}, 5, 0.5f, 2.f)),
                                                  cst(test::random_tensor({8}, 6))});
    int act = node(OpType::PRelu, {in, cst(test::random_tensor({8, 1, 1}, 7, 0.f, 0.3f))});
    int logits = conv(act, 8, 5, 1, 0);
    int prob = node(OpType::Softmax, {logits});
    g.nodes.back().attrs.set("axis", int64_t{1});
    int cls = node(OpType::ArgMax, {logits}, DType::i64);
    g.nodes.back().attrs.set("axis", int64_t{1});
    g.outputs = {prob, cls};
    Tensor xin = test::random_tensor(xs, 9, -1.f, 1.f);
    auto want = test::run_ref(g, {xin});
    std::string fallbacks;
    auto got = test::run_cpu_verbose(g, {xin}, &fallbacks);
    EXPECT_EQ(fallbacks, "") << "batch " << batch;
    ASSERT_EQ(got.size(), 2u);
    double m = 0;
    for (double v : want[0].to_f64_vector()) m = std::max(m, std::fabs(v));
    EXPECT_LE(test::max_abs_error(got[0], want[0]) / m, 1e-5) << "batch " << batch;
    // The class map: identical except where two logits tie within float32 rounding.
    auto a = got[1].to_i64_vector(), b = want[1].to_i64_vector();
    int64_t differ = 0;
    for (size_t i = 0; i < a.size(); ++i) differ += a[i] != b[i];
    EXPECT_LE(differ, static_cast<int64_t>(a.size() / 1000)) << "batch " << batch;
  }
}

}  // namespace
}  // namespace segrt
