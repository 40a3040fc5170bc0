// Slice on hand-checked values: negative steps, clamping, default axes.
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

Tensor iota(Shape s) {
  Tensor t(DType::f32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

std::vector<float> slice(const Tensor& x, std::vector<int64_t> starts, std::vector<int64_t> ends,
                         std::vector<int64_t> axes = {}, std::vector<int64_t> steps = {}, Shape* shape = nullptr) {
  const int64_t k = static_cast<int64_t>(starts.size());
  std::vector<In> ins = {x, Const(i64(starts, {k})), Const(i64(ends, {k}))};
  ins.push_back(axes.empty() ? Absent() : Const(i64(axes, {k})));
  ins.push_back(steps.empty() ? Absent() : Const(i64(steps, {k})));
  auto out = run_op(OpType::Slice, ins);
  if (shape) *shape = out[0].shape();
  return floats(out[0]);
}

TEST(Slice, BasicRangeOnTwoAxes) {
  Shape s;
  EXPECT_EQ(slice(iota({3, 4}), {1, 0}, {3, 3}, {}, {}, &s), (std::vector<float>{4, 5, 6, 8, 9, 10}));
  EXPECT_EQ(shape_str(s), "[2,3]");
}

TEST(Slice, NegativeStepReverses) {
  EXPECT_EQ(slice(iota({5}), {-1}, {-6}, {0}, {-1}), (std::vector<float>{4, 3, 2, 1, 0}));
  EXPECT_EQ(slice(iota({5}), {4}, {0}, {0}, {-2}), (std::vector<float>{4, 2}));
  // INT64_MIN as end means "through index 0" going backwards.
  EXPECT_EQ(slice(iota({4}), {10}, {INT64_MIN}, {0}, {-3}), (std::vector<float>{3, 0}));
}

TEST(Slice, ExtremeStepsTakeOneElement) {
  // A model's step of 2^63 - 1 or INT64_MIN: one element, no wrap-around in
  // the count (the size arithmetic overflowed int64 before, UBSan).
  Shape s;
  EXPECT_EQ(slice(iota({8}), {2}, {8}, {0}, {INT64_MAX}, &s), (std::vector<float>{2}));
  EXPECT_EQ(shape_str(s), "[1]");
  EXPECT_EQ(slice(iota({8}), {7}, {INT64_MIN}, {0}, {INT64_MIN}, &s), (std::vector<float>{7}));
  EXPECT_EQ(shape_str(s), "[1]");
}

TEST(Slice, ClampsOutOfRangeStartsAndEnds) {
  EXPECT_EQ(slice(iota({5}), {-100}, {100}), (std::vector<float>{0, 1, 2, 3, 4}));
  Shape s;
  EXPECT_TRUE(slice(iota({2, 5}), {1000}, {1001}, {1}, {}, &s).empty());
  EXPECT_EQ(shape_str(s), "[2,0]");
}

TEST(Slice, NegativeAxesAndSteps) {
  // x[:, 1::2] of a 3x7 tensor via axis -1.
  Shape s;
  auto v = slice(iota({3, 7}), {1}, {INT64_MAX}, {-1}, {2}, &s);
  EXPECT_EQ(shape_str(s), "[3,3]");
  EXPECT_EQ(v, (std::vector<float>{1, 3, 5, 8, 10, 12, 15, 17, 19}));
}

TEST(Slice, ThreeDimsMatchIndexFormula) {
  Tensor x = random_tensor({4, 13, 6}, 3);
  Shape s;
  auto v = slice(x, {1, 12, 1}, {4, 0, 6}, {0, 1, 2}, {2, -3, 4}, &s);
  ASSERT_EQ(shape_str(s), "[2,4,2]");  // rows 1,3; cols 12,9,6,3; depth 1,5
  size_t i = 0;
  for (int a : {1, 3})
    for (int b : {12, 9, 6, 3})
      for (int c : {1, 5}) EXPECT_EQ(v[i++], x.data<float>()[(a * 13 + b) * 6 + c]);
}

TEST(Slice, ZeroStepAndRepeatedAxisAreModelErrors) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Slice, {iota({4}), Const(i64({0}, {1})), Const(i64({4}, {1})), Absent(),
                                                 Const(i64({0}, {1}))}, {}, 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("step must not be 0"), std::string::npos) << msg;
  msg = run_op_error(OpType::Slice, {iota({4}), Const(i64({0, 1}, {2})), Const(i64({4, 4}, {2})),
                                     Const(i64({0, -1}, {2}))});
  EXPECT_NE(msg.find("twice"), std::string::npos) << msg;
}

}  // namespace
}  // namespace segrt
