// Gather on any axis with negative and multi-dimensional indices.
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(Gather, Axis0RowsWithNegativeIndex) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {3, 2});
  auto out = run_op(OpType::Gather, {x, Const(i64({2, -3}, {2}))});
  EXPECT_EQ(shape_str(out[0].shape()), "[2,2]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{5, 6, 1, 2}));
}

TEST(Gather, Axis1With2DIndices) {
  Tensor x = f32({0, 1, 2, 10, 11, 12}, {2, 3});
  auto out = run_op(OpType::Gather, {x, i64({2, 0, 1, 1}, {2, 2})}, attrs_of({{"axis", int64_t{1}}}));
  EXPECT_EQ(shape_str(out[0].shape()), "[2,2,2]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{2, 0, 1, 1, 12, 10, 11, 11}));
}

TEST(Gather, ScalarIndexDropsTheAxisInt32IndicesOnInt64Data) {
  Tensor x = i64({1, 2, 3, 4, 5, 6}, {2, 3});
  auto out = run_op(OpType::Gather, {x, Tensor::from_i64({-1}, {}).cast(DType::i32)},
                    attrs_of({{"axis", int64_t{-1}}}));
  EXPECT_EQ(shape_str(out[0].shape()), "[2]");
  EXPECT_EQ(ints(out[0]), (std::vector<int64_t>{3, 6}));
}

TEST(Gather, OutOfRangeIndexIsAnInputError) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Gather, {Tensor(DType::f32, {3}), i64({3}, {1})}, {}, 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidInput);
  EXPECT_NE(msg.find("index 3 is out of range"), std::string::npos) << msg;
}

}  // namespace
}  // namespace segrt
