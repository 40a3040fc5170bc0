// Reshape (0, -1, allowzero), Flatten, Squeeze and Unsqueeze.
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

std::string reshaped(Shape in, std::vector<int64_t> shape, int64_t allowzero = 0) {
  Tensor x(DType::f32, in);
  auto out = run_op(OpType::Reshape, {x, Const(i64(shape, {static_cast<int64_t>(shape.size())}))},
                    attrs_of({{"allowzero", allowzero}}));
  return shape_str(out[0].shape());
}

TEST(Reshape, ZeroCopiesAndMinusOneInfers) {
  EXPECT_EQ(reshaped({2, 3, 4}, {0, -1}), "[2,12]");
  EXPECT_EQ(reshaped({2, 3, 4}, {-1, 0, 2}), "[4,3,2]");
  EXPECT_EQ(reshaped({2, 3, 4}, {4, 1, -1, 1}), "[4,1,6,1]");
  EXPECT_EQ(reshaped({1}, {}), "[]");
}

TEST(Reshape, AllowZeroKeepsLiteralZero) {
  EXPECT_EQ(reshaped({0, 3, 4}, {3, 4, 0}, 1), "[3,4,0]");
  EXPECT_EQ(reshaped({3, 4, 4}, {3, 4, 0}, 0), "[3,4,4]");  // without allowzero, 0 copies dim 2
}

TEST(Reshape, KeepsDataOrder) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  auto out = run_op(OpType::Reshape, {x, Const(i64({3, 2}, {2}))});
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(Reshape, WrongElementCountAndTwoMinusOnesAreModelErrors) {
  ErrorKind kind;
  std::string msg =
      run_op_error(OpType::Reshape, {Tensor(DType::f32, {2, 3}), Const(i64({4, 2}, {2}))}, {}, 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("cannot reshape [2,3]"), std::string::npos) << msg;
  msg = run_op_error(OpType::Reshape, {Tensor(DType::f32, {2, 3}), Const(i64({-1, -1}, {2}))});
  EXPECT_NE(msg.find("more than one -1"), std::string::npos) << msg;
}

TEST(Reshape, ShapeFromRuntimeValueIsRefusedByTheBareSpecialiser) {
  // The engine binds such inputs by value (engine_test covers it); plain
  // specialisation must report which input it needed.
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Reshape, {Tensor(DType::f32, {2, 3}), i64({3, 2}, {2})}, {}, 1, &kind);
  EXPECT_EQ(kind, ErrorKind::Unsupported);
  EXPECT_NE(msg.find("shape (input 1) must be a constant"), std::string::npos) << msg;
}

TEST(Flatten, EveryAxisIncludingNegativeAndZero) {
  Tensor x(DType::f32, {2, 3, 4, 5});
  auto flat = [&](int64_t axis) {
    return shape_str(run_op(OpType::Flatten, {x}, attrs_of({{"axis", axis}}))[0].shape());
  };
  EXPECT_EQ(flat(0), "[1,120]");
  EXPECT_EQ(flat(1), "[2,60]");
  EXPECT_EQ(flat(3), "[24,5]");
  EXPECT_EQ(flat(4), "[120,1]");
  EXPECT_EQ(flat(-1), "[24,5]");
  EXPECT_EQ(flat(-4), "[1,120]");
  EXPECT_NE(run_op_error(OpType::Flatten, {x}, attrs_of({{"axis", int64_t{5}}})).find("out of range"),
            std::string::npos);
}

TEST(Squeeze, GivenAxesOrAllOnes) {
  Tensor x = f32({1, 2, 3}, {1, 3, 1, 1});
  EXPECT_EQ(shape_str(run_op(OpType::Squeeze, {x})[0].shape()), "[3]");
  auto out = run_op(OpType::Squeeze, {x, Const(i64({0, -1}, {2}))});
  EXPECT_EQ(shape_str(out[0].shape()), "[3,1]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1, 2, 3}));
  EXPECT_NE(run_op_error(OpType::Squeeze, {x, Const(i64({1}, {1}))}).find("cannot squeeze axis 1"),
            std::string::npos);
}

TEST(Unsqueeze, UnsortedAndNegativeAxesCountInOutputRank) {
  Tensor x(DType::f32, {3, 4});
  EXPECT_EQ(shape_str(run_op(OpType::Unsqueeze, {x, Const(i64({3, 0}, {2}))})[0].shape()), "[1,3,4,1]");
  EXPECT_EQ(shape_str(run_op(OpType::Unsqueeze, {x, Const(i64({-1}, {1}))})[0].shape()), "[3,4,1]");
  EXPECT_EQ(shape_str(run_op(OpType::Unsqueeze, {x, Const(i64({1, 2, 4}, {3}))})[0].shape()), "[3,1,1,4,1]");
  EXPECT_EQ(shape_str(run_op(OpType::Unsqueeze, {Tensor::scalar_f32(2), Const(i64({0}, {1}))})[0].shape()), "[1]");
  EXPECT_NE(run_op_error(OpType::Unsqueeze, {x, Const(i64({1, 1}, {2}))}).find("twice"), std::string::npos);
}

}  // namespace
}  // namespace segrt
