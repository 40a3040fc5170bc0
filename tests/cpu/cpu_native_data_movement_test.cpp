// The CPU backend's data-movement kernels (strided copies) against the
// reference: Transpose, Slice (negative steps, clamping), Expand, Split,
// DepthToSpace / SpaceToDepth (DCR, CRD, NHWC), Reshape family, Gather, in
// float32 and int64, with blocked producers in front; Cast between types.
#include "cpu/cpu_native_util.h"

namespace segrt {
namespace {

using test::blocked;

Tensor iota(const Shape& s, DType dt) {
  std::vector<int64_t> v(static_cast<size_t>(shape_numel(s)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i) * 7 - 50;
  return Tensor::from_i64(v, s).cast(dt);
}

// One node over input x (and constant operands), x optionally blocked first.
Graph movement_graph(OpType op, const Shape& xs, DType dt, const std::vector<Tensor>& operands, const Attrs& attrs,
                     int outputs = 1, bool block = false, bool nhwc = false) {
  Graph g;
  int x = g.add_input("x", dt, xs, nhwc ? Layout::NHWC : Layout::NCHW);
  if (block) x = blocked(g, x, nhwc ? xs.back() : xs[1], nhwc);
  std::vector<int> ins = {x};
  for (size_t k = 0; k < operands.size(); ++k) ins.push_back(g.add_constant("k" + std::to_string(k), operands[k]));
  std::vector<int> outs;
  for (int k = 0; k < outputs; ++k) outs.push_back(g.add_value("y" + std::to_string(k), dt));
  g.add_node(op, "op", ins, outs).attrs = attrs;
  for (int o : outs) g.outputs.push_back(o);
  return g;
}

Tensor ints(std::vector<int64_t> v) { return Tensor::from_i64(v, {static_cast<int64_t>(v.size())}); }

TEST(CpuNativeOps, TransposeSliceExpandSplit) {
  SEGRT_REQUIRE_CPU_BACKEND();
  for (DType dt : {DType::f32, DType::i64}) {
    std::string t = dt == DType::f32 ? " f32" : " i64";
    Shape xs = {2, 3, 5, 7};
    auto x = [&] { return std::vector<Tensor>{iota(xs, dt)}; };
    for (auto perm : {std::vector<int64_t>{0, 2, 3, 1}, {3, 1, 0, 2}, {0, 1, 3, 2}}) {
      Attrs a;
      a.set("perm", perm);
      test::expect_matches_ref(movement_graph(OpType::Transpose, xs, dt, {}, a), x(),
          {.what = "transpose" + t, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    }
    // Slice: negative steps, clamped ends, negative axes.
    test::expect_matches_ref(movement_graph(OpType::Slice, xs, dt, {ints({4, 1}), ints({-100, 6}), ints({2, -1}), ints({-2, 2})}, {}), x(),
        {.what = "slice" + t, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    test::expect_matches_ref(movement_graph(OpType::Slice, xs, dt, {ints({1}), ints({3}), ints({1})}, {}), x(),
        {.what = "slice channels" + t, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    test::expect_matches_ref(movement_graph(OpType::Expand, {3, 1, 7}, dt, {ints({2, 3, 5, 7})}, {}), {iota({3, 1, 7}, dt)},
        {.what = "expand" + t, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    Attrs sa;
    sa.set("axis", int64_t{-1});
    test::expect_matches_ref(movement_graph(OpType::Split, xs, dt, {ints({2, 4, 1})}, sa, 3), x(),
        {.what = "split" + t, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    Attrs s1;
    s1.set("axis", int64_t{1});
    test::expect_matches_ref(movement_graph(OpType::Split, xs, dt, {ints({1, 2})}, s1, 2), x(),
        {.what = "split channels" + t, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    test::expect_matches_ref(movement_graph(OpType::Reshape, xs, dt, {ints({6, -1})}, {}), x(),
        {.what = "reshape" + t, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    Attrs ga;
    ga.set("axis", int64_t{2});
    test::expect_matches_ref(movement_graph(OpType::Gather, xs, dt, {Tensor::from_i64({4, -1, 0, 0, 2, 1}, {2, 3})}, ga), x(),
        {.what = "gather" + t, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  }
  // A blocked producer: the copy reads a plain view of it.
  Attrs a;
  a.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  test::expect_matches_ref(movement_graph(OpType::Transpose, {1, 13, 4, 5}, DType::f32, {}, a, 1, true), {test::random_tensor({1, 13, 4, 5}, 3)},
      {.what = "transpose of blocked", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  for (auto perm : {std::vector<int64_t>{0, 3, 1, 2}, {2, 0, 3, 1}}) {  // a channels-last blocked producer
    Attrs p;
    p.set("perm", perm);
    test::expect_matches_ref(movement_graph(OpType::Transpose, {2, 4, 5, 13}, DType::f32, {}, p, 1, true, true), {test::random_tensor({2, 4, 5, 13}, 3)},
        {.what = "transpose of blocked NHWC", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  }
  Attrs f;
  f.set("axis", int64_t{1});
  test::expect_matches_ref(movement_graph(OpType::Flatten, {2, 11, 3, 2}, DType::f32, {}, f, 1, true), {test::random_tensor({2, 11, 3, 2}, 4)},
      {.what = "flatten of blocked", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  // Keras-style head: Reshape((H*W, C)) of a blocked channels-last convolution output.
  test::expect_matches_ref(movement_graph(OpType::Reshape, {2, 3, 5, 13}, DType::f32, {ints({2, 15, 13})}, {}, 1, true, true), {test::random_tensor({2, 3, 5, 13}, 5)},
      {.what = "reshape of blocked NHWC", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
}

TEST(CpuNativeOps, DepthToSpaceAndSpaceToDepth) {
  SEGRT_REQUIRE_CPU_BACKEND();
  for (bool nhwc : {false, true})
    for (std::string mode : {"DCR", "CRD"})
      for (int64_t b : {2, 3}) {
        Shape xs = nhwc ? Shape{2, 3, 5, 4 * b * b} : Shape{2, 4 * b * b, 3, 5};
        Attrs a;
        a.set("blocksize", b);
        a.set("mode", mode);
        if (nhwc) a.set("layout", "NHWC");
        std::string what = mode + (nhwc ? " NHWC" : " NCHW") + " b=" + std::to_string(b);
        // Plain inputs take the strided copy (blocked float32 takes depth_to_space.cpp's shuffle: cpu_upconv_test).
        test::expect_matches_ref(movement_graph(OpType::DepthToSpace, xs, DType::f32, {}, a, 1, !nhwc, nhwc), {test::random_tensor(xs, 5)},
            {.what = "depth to space " + what, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
        test::expect_matches_ref(movement_graph(OpType::DepthToSpace, xs, DType::i64, {}, a, 1, false, nhwc), {iota(xs, DType::i64)},
            {.what = "int64 depth to space " + what, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
        if (mode == "CRD") continue;
        Shape ss = nhwc ? Shape{2, 3 * b, 5 * b, 3} : Shape{2, 3, 3 * b, 5 * b};
        Attrs s;
        s.set("blocksize", b);
        if (nhwc) s.set("layout", "NHWC");
        test::expect_matches_ref(movement_graph(OpType::SpaceToDepth, ss, DType::f32, {}, s, 1, false, nhwc), {test::random_tensor(ss, 6)},
            {.what = "space to depth " + what, .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
      }
}

TEST(CpuNativeOps, GatherWithRunTimeIndices) {
  SEGRT_REQUIRE_CPU_BACKEND();
  for (DType it : {DType::i64, DType::i32}) {
    Graph g;
    Shape xs = {3, 7, 4};
    int x = g.add_input("x", DType::f32, xs), i = g.add_input("i", it, {2, 2});
    int y = g.add_value("y");
    g.add_node(OpType::Gather, "gather", {x, i}, {y}).attrs.set("axis", int64_t{-2});
    g.outputs.push_back(y);
    Tensor idx = Tensor::from_i64({6, -7, 0, 3}, {2, 2}).cast(it);
    test::expect_matches_ref(g, {test::random_tensor(xs, 1), idx},
        {.what = std::string("gather, run-time ") + dtype_name(it) + " indices", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    // Out of range: the same error as the reference, not a wild read.
    Tensor bad = Tensor::from_i64({6, 7, 0, 3}, {2, 2}).cast(it);
    std::string fallbacks;
    try {
      test::run_cpu_verbose(g, {test::random_tensor(xs, 1), bad}, &fallbacks);
      ADD_FAILURE() << "index 7 of 7 accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
    }
  }
}

Graph cast_graph(DType from, DType to, const Shape& xs) {
  Graph g;
  int x = g.add_input("x", from, xs);
  int y = g.add_value("y", to);
  g.add_node(OpType::Cast, "cast", {x}, {y}).attrs.set("to", dtype_name(to));
  g.outputs.push_back(y);
  return g;
}

TEST(CpuNativeOps, CastEveryRule) {
  SEGRT_REQUIRE_CPU_BACKEND();
  // Floats: fractions both signs, saturating magnitudes, infinities.
  std::vector<float> fv = {0.f, -0.f, 0.4f, -0.6f, 1.5f, -2.5f, 127.9f, -128.9f, 255.5f, 300.f, -1e10f, 3e9f,
                           1e20f, INFINITY, -INFINITY, 65519.f, 1e-8f, NAN};  // NaN -> 0 for integers
  Tensor xf = Tensor::from_vector(fv, {3, 6});
  for (DType to : {DType::i64, DType::i32, DType::i8, DType::u8, DType::boolean, DType::f16, DType::bf16, DType::f64})
    test::expect_matches_ref(cast_graph(DType::f32, to, {3, 6}), {xf},
        {.what = std::string("float32 -> ") + dtype_name(to), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  // Integers: wrap modulo 2^bits into narrower types, exact to float up to 2^24.
  Tensor xi = Tensor::from_i64({0, -1, 255, 256, -129, 70000, 1 << 24, -(int64_t{1} << 40), 3, 127, 128, 5}, {2, 6});
  for (DType to : {DType::f32, DType::i32, DType::i8, DType::u8, DType::boolean, DType::f16})
    test::expect_matches_ref(cast_graph(DType::i64, to, {2, 6}), {xi},
        {.what = std::string("int64 -> ") + dtype_name(to), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  test::expect_matches_ref(cast_graph(DType::u8, DType::f32, {2, 6}), {xi.cast(DType::u8)},
      {.what = "uint8 -> float32", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  test::expect_matches_ref(cast_graph(DType::boolean, DType::i64, {2, 6}), {xi.cast(DType::boolean)},
      {.what = "bool -> int64", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  // The class map of a segmentation head: ArgMax (int64) -> uint8, on a larger tensor.
  Tensor big = iota({2, 3, 17, 19}, DType::i64);
  test::expect_matches_ref(cast_graph(DType::i64, DType::u8, {2, 3, 17, 19}), {big},
      {.what = "class map -> uint8", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
}

}  // namespace
}  // namespace segrt
