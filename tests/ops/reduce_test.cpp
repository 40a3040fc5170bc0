// ArgMax (keepdims, select_last_index, negative axis) and ReduceMean (axes,
// keepdims, noop_with_empty_axes).
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(ArgMax, FirstOrLastOfTiedMaxima) {
  Tensor x = f32({2, 5, 5, 1, 7, 7, 3, 7}, {2, 4});
  auto out = run_op(OpType::ArgMax, {x}, attrs_of({{"axis", int64_t{1}}}));
  EXPECT_EQ(shape_str(out[0].shape()), "[2,1]");
  EXPECT_EQ(out[0].dtype(), DType::i64);
  EXPECT_EQ(ints(out[0]), (std::vector<int64_t>{1, 0}));
  out = run_op(OpType::ArgMax, {x}, attrs_of({{"axis", int64_t{-1}}, {"select_last_index", int64_t{1}}, {"keepdims", int64_t{0}}}));
  EXPECT_EQ(shape_str(out[0].shape()), "[2]");
  EXPECT_EQ(ints(out[0]), (std::vector<int64_t>{2, 3}));
}

TEST(ArgMax, DefaultAxis0OfAwkward3D) {
  Tensor x = random_tensor({3, 1, 13}, 4);
  auto out = run_op(OpType::ArgMax, {x});
  ASSERT_EQ(shape_str(out[0].shape()), "[1,1,13]");
  for (int w = 0; w < 13; ++w) {
    int best = 0;
    for (int k = 1; k < 3; ++k)
      if (x.data<float>()[k * 13 + w] > x.data<float>()[best * 13 + w]) best = k;
    EXPECT_EQ(ints(out[0])[w], best);
  }
}

TEST(ReduceMean, AxesAndKeepdims) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  auto out = run_op(OpType::ReduceMean, {x}, attrs_of({{"axes", std::vector<int64_t>{1}}}));
  EXPECT_EQ(shape_str(out[0].shape()), "[2,1]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{2, 5}));
  out = run_op(OpType::ReduceMean, {x}, attrs_of({{"axes", std::vector<int64_t>{-2}}, {"keepdims", int64_t{0}}}));
  EXPECT_EQ(shape_str(out[0].shape()), "[3]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{2.5f, 3.5f, 4.5f}));
}

TEST(ReduceMean, NoAxesMeansAllUnlessNoop) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 1, 3});
  auto out = run_op(OpType::ReduceMean, {x});
  EXPECT_EQ(shape_str(out[0].shape()), "[1,1,1]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{3.5f}));
  out = run_op(OpType::ReduceMean, {x}, attrs_of({{"noop_with_empty_axes", int64_t{1}}}));
  EXPECT_EQ(shape_str(out[0].shape()), "[2,1,3]");
  EXPECT_EQ(floats(out[0]), floats(x));
}

TEST(ReduceMean, SpatialMeanOfNCHWMatchesLoop) {
  Tensor x = random_tensor({2, 3, 5, 7}, 12);
  auto out = run_op(OpType::ReduceMean, {x}, attrs_of({{"axes", std::vector<int64_t>{2, 3}}, {"keepdims", int64_t{0}}}));
  ASSERT_EQ(shape_str(out[0].shape()), "[2,3]");
  for (int nc = 0; nc < 6; ++nc) {
    double s = 0;
    for (int i = 0; i < 35; ++i) s += x.data<float>()[nc * 35 + i];
    EXPECT_NEAR(floats(out[0])[nc], s / 35, 1e-6);
  }
}

TEST(ReduceMean, RepeatedAxisIsAModelError) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::ReduceMean, {Tensor(DType::f32, {2, 3})},
                                 attrs_of({{"axes", std::vector<int64_t>{1, -1}}}), 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("twice"), std::string::npos) << msg;
}

}  // namespace
}  // namespace segrt
