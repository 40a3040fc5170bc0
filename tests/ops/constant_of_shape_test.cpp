// ConstantOfShape: default float zeros, typed values, empty shapes.
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(ConstantOfShape, DefaultIsFloatZero) {
  auto out = run_op(OpType::ConstantOfShape, {Const(i64({2, 3}, {2}))});
  EXPECT_EQ(out[0].dtype(), DType::f32);
  EXPECT_EQ(floats(out[0]), std::vector<float>(6, 0.f));
}

TEST(ConstantOfShape, Int64ValueAndZeroDim) {
  Attrs a;
  a.set("value", i64({-7}, {1}));
  auto out = run_op(OpType::ConstantOfShape, {Const(i64({3}, {1}))}, a);
  EXPECT_EQ(ints(out[0]), (std::vector<int64_t>{-7, -7, -7}));
  out = run_op(OpType::ConstantOfShape, {Const(i64({2, 0}, {2}))}, a);
  EXPECT_EQ(shape_str(out[0].shape()), "[2,0]");
  a.set("value", f32({1.5f}, {1}));
  out = run_op(OpType::ConstantOfShape, {Const(i64({}, {0}))}, a);  // scalar
  EXPECT_EQ(shape_str(out[0].shape()), "[]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1.5f}));
}

}  // namespace
}  // namespace segrt
