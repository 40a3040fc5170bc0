// Reductions beyond ReduceMean (attribute and input axes, keepdims, empty
// axes), ArgMin, TopK (ties, smallest, K from a constant), CumSum, Hardmax.
#include <cmath>

#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(ReduceMore, EveryReductionOverOneAxis) {
  Tensor x = f32({1, -2, 3, 4, 5, -6}, {2, 3});
  auto axes = attrs_of({{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
  EXPECT_EQ(floats(run_op(OpType::ReduceMax, {x}, axes)[0]), (std::vector<float>{3, 5}));
  EXPECT_EQ(floats(run_op(OpType::ReduceMin, {x}, axes)[0]), (std::vector<float>{-2, -6}));
  EXPECT_EQ(floats(run_op(OpType::ReduceSum, {x}, axes)[0]), (std::vector<float>{2, 3}));
  EXPECT_EQ(floats(run_op(OpType::ReduceProd, {x}, axes)[0]), (std::vector<float>{-6, -120}));
  EXPECT_EQ(floats(run_op(OpType::ReduceL1, {x}, axes)[0]), (std::vector<float>{6, 15}));
  EXPECT_EQ(floats(run_op(OpType::ReduceSumSquare, {x}, axes)[0]), (std::vector<float>{14, 77}));
  EXPECT_FLOAT_EQ(floats(run_op(OpType::ReduceL2, {x}, axes)[0])[1], std::sqrt(77.f));
  EXPECT_FLOAT_EQ(floats(run_op(OpType::ReduceLogSumExp, {x}, axes)[0])[0],
                  static_cast<float>(std::log(std::exp(1.0) + std::exp(-2.0) + std::exp(3.0))));
  // LogSumExp subtracts the maximum: no overflow at 1000.
  EXPECT_FLOAT_EQ(floats(run_op(OpType::ReduceLogSumExp, {f32({1000, 1000}, {2})})[0])[0],
                  static_cast<float>(1000 + std::log(2.0)));
}

TEST(ReduceMore, AxesAsInputAndNoopWithEmptyAxes) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  auto out = run_op(OpType::ReduceSum, {x, Const(i64({0}, {1}))});
  EXPECT_EQ(shape_str(out[0].shape()), "[1,3]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{5, 7, 9}));
  out = run_op(OpType::ReduceMax, {x, Const(i64({}, {0}))}, attrs_of({{"noop_with_empty_axes", int64_t{1}}}));
  EXPECT_EQ(floats(out[0]), floats(x));
  out = run_op(OpType::ReduceMin, {x, Const(i64({-1}, {1}))}, attrs_of({{"keepdims", int64_t{0}}}));
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1, 4}));
}

TEST(ReduceMore, ArgMinFirstOrLast) {
  Tensor x = f32({3, 1, 1, 0, 0, 2}, {2, 3});
  EXPECT_EQ(ints(run_op(OpType::ArgMin, {x}, attrs_of({{"axis", int64_t{1}}}))[0]), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(ints(run_op(OpType::ArgMin, {x}, attrs_of({{"axis", int64_t{1}}, {"select_last_index", int64_t{1}}}))[0]),
            (std::vector<int64_t>{2, 1}));
}

TEST(TopK, LargestSmallestAndTies) {
  Tensor x = f32({1, 5, 3, 5, 2, 0, 9, 9}, {2, 4});
  auto out = run_op(OpType::TopK, {x, Const(i64({2}, {1}))}, {}, 2);
  EXPECT_EQ(shape_str(out[0].shape()), "[2,2]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{5, 5, 9, 9}));
  EXPECT_EQ(ints(out[1]), (std::vector<int64_t>{1, 3, 2, 3}));  // equal values: lower index first
  out = run_op(OpType::TopK, {x, Const(i64({2}, {1}))}, attrs_of({{"axis", int64_t{0}}, {"largest", int64_t{0}}}), 2);
  EXPECT_EQ(shape_str(out[0].shape()), "[2,4]");
  EXPECT_EQ(ints(out[1]), (std::vector<int64_t>{0, 1, 0, 0, 1, 0, 1, 1}));
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1, 0, 3, 5, 2, 5, 9, 9}));
  EXPECT_NE(run_op_error(OpType::TopK, {x, Const(i64({5}, {1}))}, {}, 2), "");  // K beyond the axis
}

TEST(ReduceMore, CumSumAndHardmax) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(floats(run_op(OpType::CumSum, {x, Const(i64({1}, {}))})[0]), (std::vector<float>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(floats(run_op(OpType::CumSum, {x, Const(i64({0}, {}))},
                          attrs_of({{"exclusive", int64_t{1}}, {"reverse", int64_t{1}}}))[0]),
            (std::vector<float>{4, 5, 6, 0, 0, 0}));
  Tensor h = f32({1, 7, 7, 0, -1, -2}, {2, 3});
  EXPECT_EQ(floats(run_op(OpType::Hardmax, {h})[0]), (std::vector<float>{0, 1, 0, 1, 0, 0}));
}

}  // namespace
}  // namespace segrt
