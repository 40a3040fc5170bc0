// The CUDA builders that replaced the host fallback: Gemm / MatMul (cuBLAS),
// ReduceMean, Gather, InstanceNormalization, ThresholdedRelu, Cast between
// every type, Constant / ConstantOfShape / Shape left to run time, MaxPool's
// Indices, SpaceToDepth on channel-last data, legacy Softmax and Pad with
// opset-18 axes. Each case runs against the reference on random data and
// awkward shapes, must put no node on the host, and must be captured in a
// CUDA graph (run 2 captures, run 3 replays; both are compared).
//
// Tolerances (max |got - want| / max |want|): fp32 1e-5 everywhere (cuBLAS
// with CUBLAS_COMPUTE_32F, no TF32); the rounding of fp16 / bf16 storage and
// TF32 products sets the others, per test (Gemm/MatMul: tf32 and fp16 1e-2,
// bf16 5e-2; normalisations: fp16 1e-2, bf16 5e-2; pure data movement and
// integer results: as the storage rounds, or fp32/tf32 only).
#include "cuda/cuda_test_util.h"
#include "ir/shape.h"
#ifdef SEGRT_HAVE_CUDA
#include "backend/cuda/cuda_exec.h"
#endif

namespace segrt {
namespace {

using test::one_node;
using test::random_tensor;
using test::Tol;

Tol matmul_tol() {
  Tol t;
  t.tf32 = 1e-2;
  t.fp16 = 1e-2;
  t.bf16 = 5e-2;
  return t;
}

Attrs gemm_attrs(bool ta, bool tb, double alpha, double beta) {
  Attrs a;
  a.set("transA", int64_t{ta});
  a.set("transB", int64_t{tb});
  a.set("alpha", alpha);
  a.set("beta", beta);
  return a;
}

TEST(CudaOpsExtra, Gemm) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Gemm);
  struct Case { int64_t m, k, n; bool ta, tb; double alpha, beta; Shape c; bool b_runtime; };
  std::vector<Case> cases = {
      {1, 1, 1, false, false, 1, 1, {}, false},
      {13, 7, 5, false, false, 1, 1, {5}, false},          // bias row broadcast
      {13, 7, 5, true, false, 0.5, 2, {13, 1}, true},      // transA, column C, runtime B
      {3, 127, 65, false, true, 1, 1, {3, 65}, false},     // transB (a Linear layer), full C
      {31, 33, 17, true, true, -1.5, 0.25, {1, 1}, true},  // both transposed, scalar-like C
      {8, 16, 4, false, true, 1, 0, {4}, false},           // beta 0: C ignored
  };
  uint32_t seed = 900;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.m) + "x" + std::to_string(c.k) + "x" + std::to_string(c.n) + (c.ta ? " tA" : "") +
                 (c.tb ? " tB" : ""));
    Shape as = c.ta ? Shape{c.k, c.m} : Shape{c.m, c.k};
    Shape bs = c.tb ? Shape{c.n, c.k} : Shape{c.k, c.n};
    std::vector<Tensor> in = {random_tensor(as, seed++), random_tensor(bs, seed++)};
    if (!c.c.empty()) in.push_back(random_tensor(c.c, seed++));
    std::vector<Tensor> run = {random_tensor(as, seed++)};
    if (c.b_runtime) run.push_back(random_tensor(bs, seed++));
    test::expect_matches_ref(one_node(OpType::Gemm, gemm_attrs(c.ta, c.tb, c.alpha, c.beta), in, c.b_runtime ? 2 : 1), run,
        {.backends = {"cuda"}, .tol = matmul_tol(), .fold = false, .cuda_replay = true});
  }
  // A fused activation (what fuse_activation attaches).
  Attrs a = gemm_attrs(false, true, 1, 1);
  a.set("fused_activation", "Sigmoid");
  test::expect_matches_ref(one_node(OpType::Gemm, a, {random_tensor({6, 9}, 1), random_tensor({5, 9}, 2), random_tensor({5}, 3)}), {random_tensor({6, 9}, 4)},
      {.backends = {"cuda"}, .tol = matmul_tol(), .fold = false, .cuda_replay = true});
}

TEST(CudaOpsExtra, MatMul) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(MatMul);
  struct Case { Shape a, b; };
  std::vector<Case> cases = {
      {{13, 7}, {7, 5}},              // plain
      {{2, 3, 4, 5}, {5, 6}},         // shared right operand: one product over 24 rows
      {{3, 4, 5}, {3, 5, 2}},         // batched
      {{1, 4, 5}, {3, 5, 2}},         // left operand broadcast (stride 0)
      {{2, 1, 4, 5}, {1, 3, 5, 6}},   // both broadcast: pointer arrays
      {{5}, {2, 5, 3}},               // 1-D left operand
      {{2, 4, 5}, {5}},               // 1-D right operand
      {{7}, {7}},                     // dot product, rank-0 result
      {{1, 1, 127}, {127, 1}},
  };
  uint32_t seed = 950;
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_str(c.a) + " x " + shape_str(c.b));
    Graph g = one_node(OpType::MatMul, {}, {random_tensor(c.a, 0), random_tensor(c.b, 0)}, 2);
    test::expect_matches_ref(g, {random_tensor(c.a, seed++), random_tensor(c.b, seed++)},
        {.backends = {"cuda"}, .tol = matmul_tol(), .fold = false, .cuda_replay = true});
  }
  // Constant right operand with a fused ReLU.
  Attrs a;
  a.set("fused_activation", "Relu");
  test::expect_matches_ref(one_node(OpType::MatMul, a, {random_tensor({2, 9, 16}, 0), random_tensor({16, 8}, 5)}), {random_tensor({2, 9, 16}, 6)},
      {.backends = {"cuda"}, .tol = matmul_tol(), .fold = false, .cuda_replay = true});
}

Attrs reduce_attrs(std::vector<int64_t> axes, int64_t keepdims, int64_t noop = 0) {
  Attrs a;
  if (!axes.empty()) a.set("axes", axes);
  a.set("keepdims", keepdims);
  if (noop) a.set("noop_with_empty_axes", noop);
  return a;
}

TEST(CudaOpsExtra, ReduceMean) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(ReduceMean);
  struct Case { Shape x; Attrs a; };
  std::vector<Case> cases = {
      {{2, 3, 5, 7}, reduce_attrs({2, 3}, 1)},    // global average, keepdims
      {{2, 3, 5, 7}, reduce_attrs({-1}, 0)},      // negative axis
      {{2, 3, 5, 7}, reduce_attrs({1}, 1)},       // over channels (a thread per output)
      {{4, 13, 6}, reduce_attrs({0, 2}, 0)},      // non-adjacent axes
      {{3, 11}, reduce_attrs({}, 0)},             // every axis
      {{3, 11}, reduce_attrs({}, 1, 1)},          // noop_with_empty_axes: identity
      {{1, 2, 300, 300}, reduce_attrs({2, 3}, 1)},  // 90000 elements per output (block sums)
  };
  Tol tol;
  tol.bf16 = 5e-2;
  uint32_t seed = 1000;
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_str(c.x));
    // Inputs in [0.5, 1.5]: means away from zero, so the scaled error is meaningful.
    test::expect_matches_ref(one_node(OpType::ReduceMean, c.a, {random_tensor(c.x, 0)}), {random_tensor(c.x, seed++, 0.5f, 1.5f)},
        {.backends = {"cuda"}, .tol = tol, .fold = false, .cuda_replay = true});
  }
}

// Channel-last device data feeding the new ops: a MaxPool (which works in
// NHWC) in front of ReduceMean, InstanceNormalization and SpaceToDepth.
Graph after_pool(OpType op, const Attrs& a, std::vector<Tensor> consts) {
  Graph g;
  int x = g.add_input("x", DType::f32, {-1, -1, -1, -1});
  int p = g.add_value("p");
  Node& mp = g.add_node(OpType::MaxPool, "pool", {x}, {p});
  mp.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
  mp.attrs.set("strides", std::vector<int64_t>{1, 1});
  std::vector<int> ins = {p};
  for (size_t i = 0; i < consts.size(); ++i) ins.push_back(g.add_constant("k" + std::to_string(i), consts[i]));
  int y = g.add_value("y");
  g.add_node(op, "op", ins, {y}).attrs = a;
  g.outputs = {y};
  return g;
}

TEST(CudaOpsExtra, OnChannelLastData) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(MaxPool);
  Tol tol;
  tol.fp16 = 1e-2;
  tol.bf16 = 5e-2;
  Tensor x = random_tensor({2, 6, 9, 7}, 1100, 0.5f, 1.5f);
  test::expect_matches_ref(after_pool(OpType::ReduceMean, reduce_attrs({2, 3}, 1), {}), {x},
      {.backends = {"cuda"}, .tol = tol, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(after_pool(OpType::ReduceMean, reduce_attrs({1}, 0), {}), {x},
      {.backends = {"cuda"}, .tol = tol, .fold = false, .cuda_replay = true});
  Attrs in;
  in.set("epsilon", 1e-3);
  test::expect_matches_ref(after_pool(OpType::InstanceNormalization, in, {random_tensor({6}, 1), random_tensor({6}, 2)}), {x},
      {.backends = {"cuda"}, .tol = tol, .fold = false, .cuda_replay = true});
  Attrs sd;
  sd.set("blocksize", int64_t{2});
  Tensor y = random_tensor({2, 3, 9, 11}, 1101);  // pooled to 8 x 10
  test::expect_matches_ref(after_pool(OpType::SpaceToDepth, sd, {}), {y},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
}

TEST(CudaOpsExtra, Gather) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Gather);
  auto ax = [](int64_t a) {
    Attrs r;
    r.set("axis", a);
    return r;
  };
  // Constant indices: int64 with negatives, int32 N-D, scalar, last axis.
  test::expect_matches_ref(one_node(OpType::Gather, ax(0), {random_tensor({5, 4}, 0), Tensor::from_i64({3, -1, 0, 3}, {4})}), {random_tensor({5, 4}, 1)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  Tensor i32(DType::i32, {2, 2});
  int32_t* p = i32.data<int32_t>();
  p[0] = 6, p[1] = -7, p[2] = 2, p[3] = 2;
  test::expect_matches_ref(one_node(OpType::Gather, ax(1), {random_tensor({2, 7, 3}, 0), i32}), {random_tensor({2, 7, 3}, 2)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(one_node(OpType::Gather, ax(-1), {random_tensor({3, 13}, 0), Tensor::from_i64({-13}, {})}), {random_tensor({3, 13}, 3)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  // Indices computed at run time (graph inputs), int64 and int32.
  Graph g = one_node(OpType::Gather, ax(2), {random_tensor({2, 3, 5, 4}, 0), Tensor::from_i64({0, 0, 0}, {3})}, 2);
  test::expect_matches_ref(g, {random_tensor({2, 3, 5, 4}, 4), Tensor::from_i64({4, -5, 1}, {3})},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  Tensor j32 = i32.clone();
  j32.data<int32_t>()[0] = 5, j32.data<int32_t>()[1] = -6, j32.data<int32_t>()[2] = 0;
  Graph h = one_node(OpType::Gather, ax(0), {random_tensor({6, 3}, 0), j32}, 2);
  test::expect_matches_ref(h, {random_tensor({6, 3}, 5), j32},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
}

TEST(CudaOpsExtra, InstanceNormalization) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(InstanceNormalization);
  Tol tol;
  tol.fp16 = 1e-2;
  tol.bf16 = 5e-2;
  Attrs nchw;
  nchw.set("epsilon", 1e-5);
  test::expect_matches_ref(one_node(OpType::InstanceNormalization, nchw, {random_tensor({2, 5, 7, 9}, 0), random_tensor({5}, 1), random_tensor({5}, 2)}), {random_tensor({2, 5, 7, 9}, 3, -2, 3)},
      {.backends = {"cuda"}, .tol = tol, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(one_node(OpType::InstanceNormalization, nchw, {random_tensor({2, 3, 17}, 0), random_tensor({3}, 4), random_tensor({3}, 5)}), {random_tensor({2, 3, 17}, 6)},
      {.backends = {"cuda"}, .tol = tol, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(one_node(OpType::InstanceNormalization, nchw, {random_tensor({1, 2, 64, 48}, 0), random_tensor({2}, 4), random_tensor({2}, 5)}), {random_tensor({1, 2, 64, 48}, 9)},
      {.backends = {"cuda"}, .tol = tol, .fold = false, .cuda_replay = true});
  Attrs nhwc = nchw;
  nhwc.set("layout", "NHWC");
  test::expect_matches_ref(one_node(OpType::InstanceNormalization, nhwc, {random_tensor({2, 7, 9, 5}, 0), random_tensor({5}, 7), random_tensor({5}, 8)}), {random_tensor({2, 7, 9, 5}, 9)},
      {.backends = {"cuda"}, .tol = tol, .fold = false, .cuda_replay = true});
}

TEST(CudaOpsExtra, ThresholdedRelu) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(ThresholdedRelu);
  Attrs a;
  a.set("alpha", 0.3);
  test::expect_matches_ref(one_node(OpType::ThresholdedRelu, a, {random_tensor({2, 3, 7, 5}, 0)}), {random_tensor({2, 3, 7, 5}, 1)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(one_node(OpType::ThresholdedRelu, {}, {random_tensor({127}, 0)}), {random_tensor({127}, 2, -3, 3)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
}

Attrs cast_to(DType t) {
  Attrs a;
  a.set("to", std::string(dtype_name(t)));
  return a;
}

TEST(CudaOpsExtra, Cast) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Cast);
  // Float -> integers (truncation and saturation: values reach +-300) and bool.
  // Integer results depend on the exact float input, so fp32 / tf32 storage only.
  Tensor x = random_tensor({3, 5, 7}, 1200, -300, 300);
  x.data<float>()[0] = 0.f;  // a false for bool
  x.data<float>()[1] = -0.7f;
  for (DType to : {DType::i64, DType::i32, DType::i8, DType::u8, DType::boolean}) {
    SCOPED_TRACE(dtype_name(to));
    test::expect_matches_ref(one_node(OpType::Cast, cast_to(to), {x}), {x},
        {.backends = {"cuda"}, .precisions = {"fp32", "tf32"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  }
  // Float -> float16 / bfloat16 rounds even in an fp32 plan; -> float64.
  Tol half;
  half.bf16 = 5e-3;  // the bfloat16 target is no worse than the bfloat16 storage
  Tensor f = random_tensor({2, 3, 4, 5}, 1201);
  test::expect_matches_ref(one_node(OpType::Cast, cast_to(DType::f16), {f}), {f},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(one_node(OpType::Cast, cast_to(DType::bf16), {f}), {f},
      {.backends = {"cuda"}, .precisions = {"fp32", "tf32", "bf16"}, .tol = half, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(one_node(OpType::Cast, cast_to(DType::f64), {f}), {f},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  // Integers in: int64 -> float and int32 (wrapping), int32 -> int64, bool -> float.
  Tensor big = Tensor::from_i64({0, -3, 7, (int64_t{1} << 33) + 5, -(int64_t{1} << 40), 1000}, {2, 3});
  // (A float result is stored in the compute type: 2^40 exceeds float16, so fp32 / tf32 only.)
  test::expect_matches_ref(one_node(OpType::Cast, cast_to(DType::f32), {big}), {big},
      {.backends = {"cuda"}, .precisions = {"fp32", "tf32"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(one_node(OpType::Cast, cast_to(DType::i32), {big}), {big},
      {.backends = {"cuda"}, .precisions = {"fp32"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  Tensor i32 = big.cast(DType::i32);
  test::expect_matches_ref(one_node(OpType::Cast, cast_to(DType::i64), {i32}), {i32},
      {.backends = {"cuda"}, .precisions = {"fp32"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  std::vector<int64_t> bits;
  for (int i = 0; i < 13; ++i) bits.push_back(i % 3 == 0);
  Tensor b = Tensor::from_i64(bits, {13}).cast(DType::boolean);
  test::expect_matches_ref(one_node(OpType::Cast, cast_to(DType::f32), {b}), {b},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(one_node(OpType::Cast, cast_to(DType::u8), {b}), {b},
      {.backends = {"cuda"}, .precisions = {"fp32"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
}

TEST(CudaOpsExtra, ConstantShapeConstantOfShape) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Shape);
  // Shape of a run-time input (start/end), added to the data so the graph has work too.
  Graph g;
  int x = g.add_input("x", DType::f32, {2, 3, 5});
  int s = g.add_value("s");
  Node& sh = g.add_node(OpType::Shape, "shape", {x}, {s});
  sh.attrs.set("start", int64_t{-2});
  int k = g.add_value("k");
  Node& c = g.add_node(OpType::Constant, "const", {}, {k});
  c.attrs.set("value_floats", std::vector<double>{0.5, -1, 2, 4, 8});
  int fill = g.add_value("fill");
  int shape_c = g.add_constant("dims", Tensor::from_i64({3, 5}, {2}));
  Node& cs = g.add_node(OpType::ConstantOfShape, "cos", {shape_c}, {fill});
  Tensor v(DType::f32, {1});
  v.data<float>()[0] = 0.25f;
  cs.attrs.set("value", v);
  int sum = g.add_value("sum");
  g.add_node(OpType::Add, "add", {x, k}, {sum});
  int y = g.add_value("y");
  g.add_node(OpType::Mul, "mul", {sum, fill}, {y});
  g.outputs = {y, s};
  test::expect_matches_ref(g, {random_tensor({2, 3, 5}, 1300)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  // Folded at load, a graph output that is a constant still comes back.
  Graph h;
  int hx = h.add_input("x", DType::f32, {4});
  int hs = h.add_value("s");
  h.add_node(OpType::Shape, "shape", {hx}, {hs});
  int hr = h.add_value("r");
  h.add_node(OpType::Relu, "relu", {hx}, {hr});
  h.outputs = {hr, hs};
  Tensor in = random_tensor({4}, 1301);
  auto got = test::run_backend("cuda", h, {in});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].to_i64_vector(), std::vector<int64_t>{4});
}

TEST(CudaOpsExtra, MaxPoolIndices) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(MaxPool);
  struct Case { Shape x; std::vector<int64_t> k, s, pads; int64_t order; };
  std::vector<Case> cases = {
      {{2, 3, 9, 11}, {3, 3}, {2, 2}, {1, 1, 1, 1}, 0},
      {{1, 2, 8, 7}, {2, 2}, {2, 2}, {0, 0, 0, 0}, 1},  // storage_order=1: column-major numbering
      {{2, 3, 17}, {3}, {2}, {1, 1}, 0},                // 1-D
      {{1, 2, 5, 6, 7}, {2, 2, 2}, {2, 2, 2}, {0, 0, 0, 0, 0, 0}, 0},  // 3-D
  };
  uint32_t seed = 1400;
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_str(c.x));
    Attrs a;
    a.set("kernel_shape", c.k);
    a.set("strides", c.s);
    a.set("pads", c.pads);
    a.set("storage_order", c.order);
    // Indices must match exactly: fp32 / tf32 storage keeps the reference's values (and ties).
    test::expect_matches_ref(one_node(OpType::MaxPool, a, {random_tensor(c.x, 0)}, 1, 2), {random_tensor(c.x, seed++)},
        {.backends = {"cuda"}, .precisions = {"fp32", "tf32"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  }
}

TEST(CudaOpsExtra, SpaceToDepthNhwc) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(SpaceToDepth);
  Attrs a;
  a.set("blocksize", int64_t{2});
  a.set("layout", "NHWC");
  test::expect_matches_ref(one_node(OpType::SpaceToDepth, a, {random_tensor({2, 6, 8, 3}, 0)}), {random_tensor({2, 6, 8, 3}, 1)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  a.set("blocksize", int64_t{3});
  test::expect_matches_ref(one_node(OpType::SpaceToDepth, a, {random_tensor({1, 9, 3, 5}, 0)}), {random_tensor({1, 9, 3, 5}, 2)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
}

TEST(CudaOpsExtra, LegacySoftmax) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Softmax);
  for (int64_t axis : {1, 2, -1}) {
    SCOPED_TRACE(axis);
    Attrs a;
    a.set("legacy_flatten", int64_t{1});
    a.set("axis", axis);
    test::expect_matches_ref(one_node(OpType::Softmax, a, {random_tensor({2, 5, 3, 7}, 0)}), {random_tensor({2, 5, 3, 7}, 1500, -4, 4)},
        {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
    test::expect_matches_ref(one_node(OpType::LogSoftmax, a, {random_tensor({2, 5, 3, 7}, 0)}), {random_tensor({2, 5, 3, 7}, 1501, -4, 4)},
        {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  }
  // Long flattened rows (C*H*W = 4096 and 3001 elements): a block per row.
  Attrs a;
  a.set("legacy_flatten", int64_t{1});
  test::expect_matches_ref(one_node(OpType::Softmax, a, {random_tensor({2, 4, 32, 32}, 0)}), {random_tensor({2, 4, 32, 32}, 1502, -4, 4)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  test::expect_matches_ref(one_node(OpType::LogSoftmax, a, {random_tensor({3, 3001}, 0)}), {random_tensor({3, 3001}, 1503, -4, 4)},
      {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
}

TEST(CudaOpsExtra, PadWithAxes) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Pad);
  for (const char* mode : {"constant", "reflect", "edge"}) {
    SCOPED_TRACE(mode);
    Attrs p;
    p.set("mode", mode);
    test::expect_matches_ref(one_node(OpType::Pad, p, {random_tensor({1, 3, 5, 6}, 0), Tensor::from_i64({1, 2, 2, 1}, {4}),
                                                     Tensor::scalar_f32(0.5f), Tensor::from_i64({2, -1}, {2})}), {random_tensor({1, 3, 5, 6}, 1600)}, {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  }
  Attrs p;
  p.set("mode", "constant");
  test::expect_matches_ref(one_node(OpType::Pad, p, {random_tensor({4, 7}, 0), Tensor::from_i64({-1, 3}, {2}), Tensor(),
                                                   Tensor::from_i64({0}, {1})}), {random_tensor({4, 7}, 1601)}, {.backends = {"cuda"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
}

// Data movement on integer tensors now stays on the GPU too.
TEST(CudaOpsExtra, IntegerDataMovement) {
  SEGRT_REQUIRE_CUDA();
  SEGRT_REQUIRE_REF(Concat);
  Tensor a = Tensor::from_i64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = Tensor::from_i64({-7, 8}, {2, 1});
  Attrs ax;
  ax.set("axis", int64_t{-1});
  test::expect_matches_ref(one_node(OpType::Concat, ax, {a, b}, 2), {a, b},
      {.backends = {"cuda"}, .precisions = {"fp32"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
  Attrs t;
  t.set("perm", std::vector<int64_t>{1, 0});
  test::expect_matches_ref(one_node(OpType::Transpose, t, {a.cast(DType::i32)}), {a.cast(DType::i32)},
      {.backends = {"cuda"}, .precisions = {"fp32"}, .tol = test::Tol{}, .fold = false, .cuda_replay = true});
}

}  // namespace
}  // namespace segrt
