// Every CUDA op against the reference backend on random data and awkward
// shapes, at fp32 (max scaled error 1e-5, TF32 off), tf32, fp16 and bf16.
// Skips visibly without a CUDA device (CI) and for reference kernels not yet landed.
#include "cuda/cuda_test_util.h"
#include "ir/activation.h"

namespace segrt {
namespace {

using test::one_node;
using test::random_tensor;

TEST(CudaOps, Activations) {
  SEGRT_REQUIRE_CUDA();
  uint32_t seed = 1;
  for (OpType op : kActivationOps) {  // every SEGRT_ACT of ops.def; Sqrt and Clip's bounds below
    if (op == OpType::Sqrt || op == OpType::Clip) continue;
    SCOPED_TRACE(op_name(op));
    Attrs a;
    if (op == OpType::LeakyRelu) a.set("alpha", 0.2);
    test::expect_matches_ref(one_node(op, a, {random_tensor({2, 3, 7, 5}, seed++, -3, 3)}), {random_tensor({2, 3, 7, 5}, seed++, -3, 3)},
        {.backends = {"cuda"}, .tol = test::Tol{}});
  }
  test::expect_matches_ref(one_node(OpType::Sqrt, {}, {random_tensor({13}, 9, 0.1f, 4)}), {random_tensor({13}, 10, 0.1f, 4)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  test::expect_matches_ref(one_node(OpType::Clip, {}, {random_tensor({1, 127}, 11), Tensor::scalar_f32(-0.3f), Tensor::scalar_f32(0.5f)}), {random_tensor({1, 127}, 12)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
}

TEST(CudaOps, BinaryBroadcasting) {
  SEGRT_REQUIRE_CUDA();
  struct Case { OpType op; Shape a, b; float lo; };
  std::vector<Case> cases = {{OpType::Add, {2, 3, 5, 7}, {3, 1, 1}, -1}, {OpType::Mul, {1, 13, 1, 7}, {2, 1, 5, 1}, -1},
                             {OpType::Sub, {3, 1}, {1, 127}, -1},       {OpType::Div, {2, 3, 4}, {2, 3, 4}, 0.5f},
                             {OpType::Max, {1, 3, 1, 1}, {2, 3, 5, 5}, -1}, {OpType::Min, {5}, {4, 5}, -1},
                             {OpType::Pow, {2, 7}, {7}, 0.5f}};
  uint32_t seed = 100;
  for (const Case& c : cases) {
    SCOPED_TRACE(op_name(c.op));
    Graph g = one_node(c.op, {}, {random_tensor(c.a, 0), random_tensor(c.b, 0)}, 2);
    test::expect_matches_ref(g, {random_tensor(c.a, seed++, c.lo, 2), random_tensor(c.b, seed++, c.lo, 2)},
        {.backends = {"cuda"}, .tol = test::Tol{}});
  }
  // Constant broadcast operand (a bias), the pattern of exported U-Nets.
  Graph g = one_node(OpType::Add, {}, {random_tensor({2, 5, 9, 4}, 0), random_tensor({1, 5, 1, 1}, 7)});
  test::expect_matches_ref(g, {random_tensor({2, 5, 9, 4}, 8)}, {.backends = {"cuda"}, .tol = test::Tol{}});
  Graph s;
  int x = s.add_input("x", DType::f32, {3, 4}), y = s.add_input("y", DType::f32, {4}), z = s.add_input("z", DType::f32, {3, 1});
  int o = s.add_value("o");
  s.add_node(OpType::Sum, "sum", {x, y, z}, {o});
  s.outputs = {o};
  test::expect_matches_ref(s, {random_tensor({3, 4}, 1), random_tensor({4}, 2), random_tensor({3, 1}, 3)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
}

Attrs conv_attrs(std::vector<int64_t> pads, std::vector<int64_t> strides = {1, 1}, int64_t group = 1,
                 std::vector<int64_t> dil = {1, 1}) {
  Attrs a;
  a.set("pads", pads);
  a.set("strides", strides);
  a.set("dilations", dil);
  a.set("group", group);
  return a;
}

TEST(CudaOps, Conv) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Conv);
  struct Case { Shape x, w; Attrs a; bool bias; };
  std::vector<Case> cases = {
      {{1, 3, 13, 17}, {8, 3, 3, 3}, conv_attrs({1, 1, 1, 1}), true},
      {{2, 16, 16, 16}, {32, 16, 3, 3}, conv_attrs({1, 1, 1, 1}), true},
      {{1, 1, 32, 32}, {16, 1, 3, 3}, conv_attrs({1, 1, 1, 1}), true},       // the U-Net stem: one channel
      {{1, 8, 15, 11}, {4, 8, 1, 1}, conv_attrs({0, 0, 0, 0}), false},
      {{1, 6, 17, 17}, {6, 3, 3, 3}, conv_attrs({1, 1, 1, 1}, {2, 2}, 2), true},  // groups, stride 2
      {{1, 4, 20, 20}, {5, 4, 3, 3}, conv_attrs({2, 2, 2, 2}, {1, 1}, 1, {2, 2}), true},  // dilation
      {{1, 8, 16, 16}, {8, 8, 2, 2}, conv_attrs({0, 0, 1, 1}), true},        // Keras 'same' 2x2: asymmetric pads
      {{1, 3, 1, 1}, {2, 3, 1, 1}, conv_attrs({0, 0, 0, 0}), true},
  };
  uint32_t seed = 200;
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_str(c.x) + " * " + shape_str(c.w));
    std::vector<Tensor> in = {random_tensor(c.x, 0), random_tensor(c.w, seed++, -0.5f, 0.5f)};
    if (c.bias) in.push_back(random_tensor({c.w[0]}, seed++));
    test::expect_matches_ref(one_node(OpType::Conv, c.a, in), {random_tensor(c.x, seed++)},
        {.backends = {"cuda"}, .tol = test::Tol{}});
  }
}

// Conv with a fused ReLU (cuDNN's fused call), with a sigmoid (epilogue
// kernel) and with a residual input.
TEST(CudaOps, ConvFusedActivationAndResidual) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Conv);
  for (const char* act : {"Relu", "Sigmoid", "LeakyRelu"}) {
    SCOPED_TRACE(act);
    Attrs a = conv_attrs({1, 1, 1, 1});
    a.set("fused_activation", act);
    a.set("fused_alpha", 0.1);
    a.set("fused_beta", 0.0);
    Graph g;
    int x = g.add_input("x", DType::f32, {2, 8, 12, 10});
    int r = g.add_input("r", DType::f32, {2, 16, 12, 10});
    int w = g.add_constant("w", random_tensor({16, 8, 3, 3}, 5, -0.3f, 0.3f));
    int b = g.add_constant("b", random_tensor({16}, 6));
    int y = g.add_value("y");
    g.add_node(OpType::Conv, "conv", {x, w, b, r}, {y}).attrs = a;
    g.outputs = {y};
    test::expect_matches_ref(g, {random_tensor({2, 8, 12, 10}, 7), random_tensor({2, 16, 12, 10}, 8)},
        {.backends = {"cuda"}, .tol = test::Tol{}});
  }
}

// Strict fp32 at a size where the algorithm search picks Winograd
// (x [16,256,32,32] * w [512,256,3,3]: a U-Net layer at 256x256 batch 16,
// bench/NOTES-cuda.md v7): still within 1e-5 of float64 on sampled outputs
// (the reference backend is too slow for the whole tensor).
TEST(CudaOps, Fp32ConvAtScaleMatchesFloat64) {
  SEGRT_REQUIRE_CUDA();
  const int64_t N = 16, C = 256, H = 32, W = 32, K = 512;
  Attrs a = conv_attrs({1, 1, 1, 1});
  a.set("fused_activation", "Relu");
  Tensor x = random_tensor({N, C, H, W}, 901), w = random_tensor({K, C, 3, 3}, 902, -0.1f, 0.1f),
         b = random_tensor({K}, 903);
  // Default (Winograd allowed), then SEGRT_CUDA_NO_WINOGRAD=1.
  for (bool no_winograd : {false, true}) {
    if (no_winograd) setenv("SEGRT_CUDA_NO_WINOGRAD", "1", 1);
    std::vector<Tensor> got;
    try {
      got = test::run_backend("cuda", one_node(OpType::Conv, a, {x, w, b}), {x}, "fp32");
    } catch (...) {
      unsetenv("SEGRT_CUDA_NO_WINOGRAD");
      throw;
    }
    unsetenv("SEGRT_CUDA_NO_WINOGRAD");
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(shape_str(got[0].shape()), shape_str(Shape{N, K, H, W}));
    const float *xp = x.data<float>(), *wp = w.data<float>(), *bp = b.data<float>(), *yp = got[0].data<float>();
    uint32_t r = 12345;
    auto next = [&r](int64_t m) { r = r * 1664525u + 1013904223u; return static_cast<int64_t>((r >> 8) % m); };
    double max_diff = 0, max_ref = 0;
    for (int i = 0; i < 3000; ++i) {
      int64_t n = next(N), k = next(K), oh = i % 7 == 0 ? 0 : next(H), ow = i % 11 == 0 ? W - 1 : next(W);
      double acc = bp[k];
      for (int64_t c = 0; c < C; ++c)
        for (int64_t dy = 0; dy < 3; ++dy)
          for (int64_t dx = 0; dx < 3; ++dx) {
            int64_t ih = oh + dy - 1, iw = ow + dx - 1;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            acc += static_cast<double>(xp[((n * C + c) * H + ih) * W + iw]) * wp[((k * C + c) * 3 + dy) * 3 + dx];
          }
      double want = std::max(acc, 0.0);
      max_diff = std::max(max_diff, std::fabs(yp[((n * K + k) * H + oh) * W + ow] - want));
      max_ref = std::max(max_ref, std::fabs(want));
    }
    double e = max_diff / std::max(max_ref, 1e-6);
    std::printf("[cuda-op] %-36s %-9s out0 err %.3g (tol 1e-05, 3000 sampled outputs)\n",
                "Fp32ConvAtScaleMatchesFloat64", no_winograd ? "fp32/nowi" : "fp32", e);
    EXPECT_LE(e, 1e-5) << (no_winograd ? "SEGRT_CUDA_NO_WINOGRAD=1" : "default");
  }
}

TEST(CudaOps, ConvTranspose) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(ConvTranspose);
  Attrs a = conv_attrs({0, 0, 0, 0}, {2, 2});
  test::expect_matches_ref(one_node(OpType::ConvTranspose, a, {random_tensor({1, 16, 7, 9}, 0), random_tensor({16, 8, 2, 2}, 1), random_tensor({8}, 2)}), {random_tensor({1, 16, 7, 9}, 3)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  Attrs b = conv_attrs({1, 1, 1, 1}, {2, 2});
  b.set("output_padding", std::vector<int64_t>{1, 1});
  test::expect_matches_ref(one_node(OpType::ConvTranspose, b, {random_tensor({2, 6, 5, 5}, 0), random_tensor({6, 4, 3, 3}, 4)}), {random_tensor({2, 6, 5, 5}, 5)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
}

// 1-D convolutions run as NCHW with a unit H axis, 3-D ones through cuDNN's
// Nd descriptors (both used to fall back to the host).
TEST(CudaOps, Conv1dAnd3d) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Conv);
  uint32_t seed = 700;
  struct Case { OpType op; Shape x, w; Attrs a; bool bias; };
  Attrs relu3d = conv_attrs({0, 0, 0, 1, 1, 1}, {1, 1, 1}, 1, {1, 1, 1});  // asymmetric: padded copy
  relu3d.set("fused_activation", "Relu");
  relu3d.set("fused_alpha", 0.0);
  relu3d.set("fused_beta", 0.0);
  Attrs t1 = conv_attrs({1, 1}, {2}, 1, {1});
  t1.set("output_padding", std::vector<int64_t>{1});
  std::vector<Case> cases = {
      {OpType::Conv, {2, 4, 17}, {6, 4, 3}, conv_attrs({1, 1}, {1}, 1, {1}), true},
      {OpType::Conv, {1, 6, 23}, {4, 3, 3}, conv_attrs({0, 1}, {2}, 2, {2}), true},  // groups, stride, dilation, asymmetric
      {OpType::ConvTranspose, {1, 4, 9}, {4, 3, 4}, t1, true},
      {OpType::Conv, {1, 3, 5, 6, 7}, {4, 3, 3, 3, 3}, conv_attrs({1, 1, 1, 1, 1, 1}, {1, 1, 1}, 1, {1, 1, 1}), true},
      {OpType::Conv, {2, 4, 4, 5, 6}, {8, 4, 2, 2, 2}, relu3d, false},
      {OpType::Conv, {1, 4, 7, 7, 7}, {4, 2, 3, 3, 3}, conv_attrs({1, 1, 1, 1, 1, 1}, {2, 2, 2}, 2, {1, 1, 1}), true},
      {OpType::ConvTranspose, {1, 4, 3, 4, 5}, {4, 2, 2, 2, 2}, conv_attrs({0, 0, 0, 0, 0, 0}, {2, 2, 2}, 1, {1, 1, 1}), true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(op_name(c.op)) + " " + shape_str(c.x) + " * " + shape_str(c.w));
    if (c.op == OpType::ConvTranspose && !ref::kernel(OpType::ConvTranspose)) continue;
    std::vector<Tensor> in = {random_tensor(c.x, 0), random_tensor(c.w, seed++, -0.5f, 0.5f)};
    if (c.bias) in.push_back(random_tensor({c.op == OpType::Conv ? c.w[0] : c.w[1]}, seed++));
    test::expect_matches_ref(one_node(c.op, c.a, in), {random_tensor(c.x, seed++)},
        {.backends = {"cuda"}, .tol = test::Tol{}});
  }
}

TEST(CudaOps, Pools) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(MaxPool);
  Attrs m;
  m.set("kernel_shape", std::vector<int64_t>{2, 2});
  m.set("strides", std::vector<int64_t>{2, 2});
  test::expect_matches_ref(one_node(OpType::MaxPool, m, {random_tensor({2, 13, 16, 10}, 0)}), {random_tensor({2, 13, 16, 10}, 1)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  // Row width a multiple of 4, odd height: the NCHW float4 path (fp32), last row dropped.
  test::expect_matches_ref(one_node(OpType::MaxPool, m, {random_tensor({2, 5, 9, 24}, 0)}), {random_tensor({2, 5, 9, 24}, 6)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  Attrs c = m;
  c.set("kernel_shape", std::vector<int64_t>{3, 3});
  c.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  c.set("ceil_mode", int64_t{1});
  test::expect_matches_ref(one_node(OpType::MaxPool, c, {random_tensor({1, 3, 17, 13}, 0)}), {random_tensor({1, 3, 17, 13}, 2)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  for (int64_t include : {0, 1}) {
    Attrs v = c;
    v.set("count_include_pad", include);
    test::expect_matches_ref(one_node(OpType::AveragePool, v, {random_tensor({1, 5, 11, 12}, 0)}), {random_tensor({1, 5, 11, 12}, 3)},
        {.backends = {"cuda"}, .tol = test::Tol{}});
  }
  test::expect_matches_ref(one_node(OpType::GlobalAveragePool, {}, {random_tensor({2, 7, 9, 5}, 0)}), {random_tensor({2, 7, 9, 5}, 4)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  test::expect_matches_ref(one_node(OpType::GlobalMaxPool, {}, {random_tensor({1, 3, 4, 6}, 0)}), {random_tensor({1, 3, 4, 6}, 5)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
}

Attrs resize_attrs(const char* mode, const char* coord, const char* nearest = "round_prefer_floor") {
  Attrs a;
  a.set("mode", mode);
  a.set("coordinate_transformation_mode", coord);
  a.set("nearest_mode", nearest);
  a.set("cubic_coeff_a", -0.75);
  a.set("exclude_outside", int64_t{0});
  a.set("extrapolation_value", 0.0);
  return a;
}

TEST(CudaOps, Resize) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Resize);
  struct Case { const char *mode, *coord, *nearest; Shape x; std::vector<float> scales; Shape sizes; };
  std::vector<Case> cases = {
      {"nearest", "asymmetric", "floor", {1, 8, 7, 5}, {1, 1, 2, 2}, {}},          // PyTorch / Keras UpSampling2D
      {"nearest", "half_pixel", "round_prefer_floor", {2, 3, 5, 6}, {1, 1, 3, 3}, {}},
      {"nearest", "tf_half_pixel_for_nn", "round_prefer_ceil", {1, 2, 9, 4}, {}, {1, 2, 5, 11}},
      {"linear", "half_pixel", "", {1, 4, 13, 7}, {}, {1, 4, 20, 31}},
      {"linear", "align_corners", "", {2, 2, 6, 6}, {1, 1, 2, 2}, {}},
      {"linear", "pytorch_half_pixel", "", {1, 3, 16, 16}, {}, {1, 3, 7, 1}},
      {"cubic", "half_pixel", "", {1, 2, 8, 9}, {}, {1, 2, 17, 5}},
      {"cubic", "align_corners", "", {1, 1, 5, 5}, {1, 1, 2, 2}, {}},
  };
  uint32_t seed = 300;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.mode) + " " + c.coord + " " + shape_str(c.x));
    std::vector<Tensor> in = {random_tensor(c.x, 0), Tensor()};
    if (!c.scales.empty()) {
      in.push_back(Tensor::from_vector(c.scales, {4}));
    } else {
      in.push_back(Tensor());
      in.push_back(Tensor::from_i64(c.sizes, {4}));
    }
    test::expect_matches_ref(one_node(OpType::Resize, resize_attrs(c.mode, c.coord, *c.nearest ? c.nearest : "round_prefer_floor"), in), {random_tensor(c.x, seed++)},
        {.backends = {"cuda"}, .tol = test::Tol{}});
  }
}

TEST(CudaOps, ConcatSoftmaxArgMax) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Concat);
  Attrs ax1;
  ax1.set("axis", int64_t{1});
  Graph g = one_node(OpType::Concat, ax1, {random_tensor({2, 3, 5, 7}, 0), random_tensor({2, 13, 5, 7}, 0), random_tensor({2, 1, 5, 7}, 0)}, 3);
  test::expect_matches_ref(g, {random_tensor({2, 3, 5, 7}, 1), random_tensor({2, 13, 5, 7}, 2), random_tensor({2, 1, 5, 7}, 3)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  Attrs axm1;
  axm1.set("axis", int64_t{-1});
  test::expect_matches_ref(one_node(OpType::Concat, axm1, {random_tensor({3, 4}, 0), random_tensor({3, 9}, 0)}, 2), {random_tensor({3, 4}, 4), random_tensor({3, 9}, 5)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  SEGRT_REQUIRE_REF(Softmax);
  test::expect_matches_ref(one_node(OpType::Softmax, ax1, {random_tensor({2, 5, 3, 7}, 0)}), {random_tensor({2, 5, 3, 7}, 6, -4, 4)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  test::expect_matches_ref(one_node(OpType::LogSoftmax, axm1, {random_tensor({3, 11}, 0)}), {random_tensor({3, 11}, 7, -4, 4)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  SEGRT_REQUIRE_REF(ArgMax);
  Attrs am;
  am.set("axis", int64_t{1});
  am.set("keepdims", int64_t{1});
  test::expect_matches_ref(one_node(OpType::ArgMax, am, {random_tensor({2, 6, 5, 4}, 0)}), {random_tensor({2, 6, 5, 4}, 8)},
      {.backends = {"cuda"}, .precisions = {"fp32"}, .tol = test::Tol{}});
}

TEST(CudaOps, DataMovement) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Transpose);
  Attrs t;
  t.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  test::expect_matches_ref(one_node(OpType::Transpose, t, {random_tensor({2, 3, 5, 7}, 0)}), {random_tensor({2, 3, 5, 7}, 1)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
  SEGRT_REQUIRE_REF(Slice);
  test::expect_matches_ref(one_node(OpType::Slice, {}, {random_tensor({4, 9, 6}, 0), Tensor::from_i64({1, -1}, {2}), Tensor::from_i64({3, 0}, {2}),
                                                       Tensor::from_i64({0, 1}, {2}), Tensor::from_i64({1, -2}, {2})}), {random_tensor({4, 9, 6}, 2)}, {.backends = {"cuda"}, .tol = test::Tol{}});
  SEGRT_REQUIRE_REF(Pad);
  for (const char* mode : {"constant", "reflect", "edge"}) {
    Attrs p;
    p.set("mode", mode);
    test::expect_matches_ref(one_node(OpType::Pad, p, {random_tensor({1, 3, 5, 6}, 0), Tensor::from_i64({0, 0, 1, 2, 0, 0, 2, 1}, {8}), Tensor::scalar_f32(0.5f)}), {random_tensor({1, 3, 5, 6}, 3)},
        {.backends = {"cuda"}, .tol = test::Tol{}});
  }
  SEGRT_REQUIRE_REF(Reshape);
  test::expect_matches_ref(one_node(OpType::Reshape, {}, {random_tensor({2, 3, 4}, 0), Tensor::from_i64({6, -1}, {2})}), {random_tensor({2, 3, 4}, 4)},
      {.backends = {"cuda"}, .tol = test::Tol{}});
}

// DepthToSpace (DCR and CRD), and the sub-pixel pattern the CUDA backend
// writes in place: Conv -> DepthToSpace (DCR) -> channel slice of a Concat.
TEST(CudaOps, DepthToSpaceAndPixelShuffleIntoConcat) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(DepthToSpace);
  for (const char* mode : {"DCR", "CRD"}) {
    Attrs a;
    a.set("blocksize", int64_t{2});
    a.set("mode", mode);
    test::expect_matches_ref(one_node(OpType::DepthToSpace, a, {random_tensor({2, 12, 3, 5}, 0)}), {random_tensor({2, 12, 3, 5}, 1)},
        {.backends = {"cuda"}, .tol = test::Tol{}});
  }
  SEGRT_REQUIRE_REF(Conv);
  SEGRT_REQUIRE_REF(Concat);
  Graph g;
  int x = g.add_input("x", DType::f32, {2, 8, 5, 6});
  int skip_in = g.add_input("skip", DType::f32, {2, 3, 10, 12});
  int skip = g.add_value("skip_act");  // produced by a node, as a U-Net skip is: the Concat is marked in place
  g.add_node(OpType::Sigmoid, "skip_act", {skip_in}, {skip});
  int w = g.add_constant("w", random_tensor({16, 8, 3, 3}, 2, -0.3f, 0.3f));
  int b = g.add_constant("b", random_tensor({16}, 3));
  int conv = g.add_value("conv");
  g.add_node(OpType::Conv, "conv", {x, w, b}, {conv}).attrs = conv_attrs({1, 1, 1, 1});
  int d2s = g.add_value("d2s");
  Node& d = g.add_node(OpType::DepthToSpace, "d2s", {conv}, {d2s});
  d.attrs.set("blocksize", int64_t{2});
  d.attrs.set("mode", "DCR");
  int cat = g.add_value("cat");
  g.add_node(OpType::Concat, "cat", {skip, d2s}, {cat}).attrs.set("axis", int64_t{1});
  int y = g.add_value("y");
  g.add_node(OpType::Relu, "relu", {cat}, {y});
  g.outputs = {y};
  std::vector<Tensor> in = {random_tensor({2, 8, 5, 6}, 4), random_tensor({2, 3, 10, 12}, 5)};
  test::expect_matches_ref(g, in, {.backends = {"cuda"}, .tol = test::Tol{}});
  // The backend honours concat_in_place's mark: the pixel shuffle writes its slice, and says so.
  Graph s = test::prepared_graph("cuda", g, in, true);
  std::vector<std::string> fell_back;
  for (const char* p : {"fp32", "fp16"}) {
    auto exe = test::compile_watching("cuda", s, p, &fell_back);
    bool said = false;
    for (const auto& line : exe->report.rewrites) said |= line.find("cat (Concat): marked in place; 1 of 2 inputs written") == 0;
    EXPECT_TRUE(said) << p << ": no in-place line in the plan report";
  }
  EXPECT_TRUE(fell_back.empty()) << fell_back[0];
}

TEST(CudaOps, BatchNormalization) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(BatchNormalization);
  Attrs a;
  a.set("epsilon", 1e-3);
  test::expect_matches_ref(one_node(OpType::BatchNormalization, a, {random_tensor({2, 7, 5, 3}, 0), random_tensor({7}, 1), random_tensor({7}, 2),
                                                                   random_tensor({7}, 3), random_tensor({7}, 4, 0.5f, 2)}), {random_tensor({2, 7, 5, 3}, 5)}, {.backends = {"cuda"}, .tol = test::Tol{}});
}

}  // namespace
}  // namespace segrt
