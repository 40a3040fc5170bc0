// MaxPool, AveragePool and the global pools on the reference backend:
// hand-checked windows, padding rules, ceil_mode, dilations, auto_pad,
// Indices, 1-D / 3-D, and NHWC against NCHW.
#include "ops/spatial_test_util.h"

namespace segrt {
namespace {

using test::iota;
using test::random_tensor;
using test::run1;

Attrs pool_attrs(std::vector<int64_t> k, std::vector<int64_t> s = {}, std::vector<int64_t> p = {}) {
  Attrs a;
  a.set("kernel_shape", std::move(k));
  if (!s.empty()) a.set("strides", std::move(s));
  if (!p.empty()) a.set("pads", std::move(p));
  return a;
}

TEST(MaxPool, TwoByTwoStrideTwo) {
  Tensor y = run1(OpType::MaxPool, pool_attrs({2, 2}, {2, 2}), {iota({1, 1, 4, 4})});
  EXPECT_VALUES(y, {5, 7, 13, 15});
}

TEST(MaxPool, CeilModeKeepsThePartialWindow) {
  Attrs a = pool_attrs({2, 2}, {2, 2});
  a.set("ceil_mode", int64_t{1});
  Tensor y = run1(OpType::MaxPool, a, {iota({1, 1, 5, 5})});
  EXPECT_EQ(shape_str(y.shape()), "[1,1,3,3]");
  EXPECT_VALUES(y, {6, 8, 9, 16, 18, 19, 21, 23, 24});
  // A window that would start in the end padding is dropped (5 + pad 1, k 2, s 2: 4 windows -> 3).
  Attrs b = a;
  b.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  EXPECT_EQ(shape_str(run1(OpType::MaxPool, b, {iota({1, 1, 5, 5})}).shape()), "[1,1,3,3]");
}

TEST(MaxPool, DilatedOneDimensional) {
  Attrs a = pool_attrs({2});
  a.set("dilations", std::vector<int64_t>{2});
  EXPECT_VALUES(run1(OpType::MaxPool, a, {Tensor::from_vector({1, 5, 2, 4, 3}, {1, 1, 5})}), {2, 5, 3});
}

TEST(MaxPool, PaddingNeverWinsOverNegativeValues) {
  Tensor x = Tensor::from_vector({-1, -2, -3, -4}, {1, 1, 2, 2});
  EXPECT_VALUES(run1(OpType::MaxPool, pool_attrs({2, 2}, {1, 1}, {1, 1, 1, 1}), {x}),
                {-1, -1, -2, -1, -1, -2, -3, -3, -4});
}

TEST(MaxPool, IndicesCountFromTheTensorStart) {
  Tensor x = Tensor::from_vector({1, 9, 3, 4, 5, 6, 7, 8, /*c1*/ 8, 7, 6, 5, 4, 3, 2, 1}, {1, 2, 2, 4});
  auto out = test::run_node_ref(OpType::MaxPool, pool_attrs({2, 2}, {2, 2}), {x}, 2);
  EXPECT_VALUES(out[0], {9, 8, 8, 6});
  EXPECT_EQ(out[1].dtype(), DType::i64);
  EXPECT_EQ(out[1].to_i64_vector(), (std::vector<int64_t>{1, 7, 8, 10}));
  Attrs col = pool_attrs({2, 2}, {2, 2});
  col.set("storage_order", int64_t{1});  // column-major numbering within a plane
  out = test::run_node_ref(OpType::MaxPool, col, {x}, 2);
  EXPECT_EQ(out[1].to_i64_vector(), (std::vector<int64_t>{2, 7, 8, 12}));
}

TEST(MaxPool, Uint8StaysUint8) {
  Tensor x = Tensor::from_vector({1, 200, 3, 255}, {1, 1, 2, 2}).cast(DType::u8);
  Tensor y = run1(OpType::MaxPool, pool_attrs({2, 2}), {x});
  EXPECT_EQ(y.dtype(), DType::u8);
  EXPECT_EQ(y.data<uint8_t>()[0], 255);
}

TEST(AveragePool, CountIncludePadDecidesTheDivisor) {
  Tensor ones(DType::f32, {1, 1, 3, 3});
  for (int i = 0; i < 9; ++i) ones.data<float>()[i] = 1;
  Attrs a = pool_attrs({3, 3}, {1, 1}, {1, 1, 1, 1});
  EXPECT_VALUES(run1(OpType::AveragePool, a, {ones}), {1, 1, 1, 1, 1, 1, 1, 1, 1});
  a.set("count_include_pad", int64_t{1});
  EXPECT_VALUES(run1(OpType::AveragePool, a, {ones}),
                {4 / 9.f, 6 / 9.f, 4 / 9.f, 6 / 9.f, 1, 6 / 9.f, 4 / 9.f, 6 / 9.f, 4 / 9.f});
}

TEST(AveragePool, CeilModeWindowPastThePaddingCountsOnlyRealAndPadTaps) {
  // 1-D [0..4], k 2, s 2, ceil: windows {0,1} {2,3} {4}; the last is 4 / 1 either way.
  Attrs a = pool_attrs({2}, {2});
  a.set("ceil_mode", int64_t{1});
  a.set("count_include_pad", int64_t{1});
  EXPECT_VALUES(run1(OpType::AveragePool, a, {iota({1, 1, 5})}), {0.5f, 2.5f, 4});
}

TEST(AveragePool, SameUpperAndLowerAutoPad) {
  // 1-D [0..4], k 2, s 1: SAME_UPPER pads the end ({4} alone), SAME_LOWER the start ({0} alone).
  Attrs up = pool_attrs({2});
  up.set("auto_pad", "SAME_UPPER");
  EXPECT_VALUES(run1(OpType::AveragePool, up, {iota({1, 1, 5})}), {0.5f, 1.5f, 2.5f, 3.5f, 4});
  Attrs lo = pool_attrs({2});
  lo.set("auto_pad", "SAME_LOWER");
  EXPECT_VALUES(run1(OpType::AveragePool, lo, {iota({1, 1, 5})}), {0, 0.5f, 1.5f, 2.5f, 3.5f});
}

TEST(AveragePool, ThreeDimensional) {
  Tensor y = run1(OpType::AveragePool, pool_attrs({2, 2, 2}, {2, 2, 2}), {iota({1, 1, 2, 2, 4})});
  // window over d {0,1}, h {0,1}, w {0,1}: mean of 0,1,4,5,8,9,12,13 = 6.5
  EXPECT_VALUES(y, {6.5f, 8.5f});
}

TEST(Pools, NhwcMatchesNchwOnAwkwardShapes) {
  std::vector<Shape> shapes = {{1, 3, 13, 7}, {2, 1, 1, 127}, {1, 5, 9, 1}, {1, 2, 3, 4, 5}};
  uint32_t seed = 5;
  for (OpType op : {OpType::MaxPool, OpType::AveragePool, OpType::GlobalAveragePool, OpType::GlobalMaxPool})
    for (const Shape& s : shapes) {
      Attrs a;
      size_t n = s.size() - 2;
      if (op == OpType::MaxPool || op == OpType::AveragePool) {
        a.set("kernel_shape", std::vector<int64_t>(n, 2));
        a.set("strides", std::vector<int64_t>(n, 2));
        a.set("auto_pad", "SAME_LOWER");
        a.set("count_include_pad", int64_t{1});
      }
      Tensor x = random_tensor(s, seed++);
      Tensor ref = run1(op, a, {x});
      a.set("layout", "NHWC");
      Tensor got = run1(op, a, {test::to_nhwc(x)});
      EXPECT_LT(test::max_abs_error(got, test::to_nhwc(ref)), 1e-6) << op_name(op) << " " << shape_str(s);
    }
}

TEST(GlobalPools, ReduceEverySpatialAxis) {
  Tensor x = iota({1, 2, 2, 3});
  Tensor avg = run1(OpType::GlobalAveragePool, {}, {x});
  EXPECT_EQ(shape_str(avg.shape()), "[1,2,1,1]");
  EXPECT_VALUES(avg, {2.5f, 8.5f});
  EXPECT_VALUES(run1(OpType::GlobalMaxPool, {}, {x}), {5, 11});
  Attrs nhwc;
  nhwc.set("layout", "NHWC");
  Tensor y = run1(OpType::GlobalAveragePool, nhwc, {iota({1, 2, 2, 3})});  // C = 3 last
  EXPECT_EQ(shape_str(y.shape()), "[1,1,1,3]");
  EXPECT_VALUES(y, {4.5f, 5.5f, 6.5f});
}

TEST(Pools, WindowLargerThanInputIsAModelError) {
  try {
    run1(OpType::MaxPool, pool_attrs({4, 4}), {iota({1, 1, 3, 3})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace segrt
