// Concat and Split on hand-checked values, awkward shapes and bad models.
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(Concat, JoinsAlongMiddleAxis) {
  Tensor a = f32({1, 2, 3, 4}, {2, 1, 2});
  Tensor b = f32({5, 6, 7, 8, 9, 10, 11, 12}, {2, 2, 2});
  auto out = run_op(OpType::Concat, {a, b}, attrs_of({{"axis", int64_t{1}}}));
  EXPECT_EQ(shape_str(out[0].shape()), "[2,3,2]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}));
}

TEST(Concat, NegativeAxisAndEmptyInputAndInt64) {
  Tensor a = i64({1, 2, 3}, {3, 1});
  Tensor e(DType::i64, {3, 0});
  Tensor b = i64({4, 5, 6, 7, 8, 9}, {3, 2});
  auto out = run_op(OpType::Concat, {a, e, Const(b)}, attrs_of({{"axis", int64_t{-1}}}));
  EXPECT_EQ(shape_str(out[0].shape()), "[3,3]");
  EXPECT_EQ(ints(out[0]), (std::vector<int64_t>{1, 4, 5, 2, 6, 7, 3, 8, 9}));
}

TEST(Concat, ManyInputsAwkwardShapeMatchesIndexFormula) {
  std::vector<In> ins;
  int64_t total = 0;
  for (int k = 0; k < 5; ++k) {
    ins.push_back(random_tensor({3, 1 + 2 * k, 13}, 10 + k));
    total += 1 + 2 * k;
  }
  auto out = run_op(OpType::Concat, ins, attrs_of({{"axis", int64_t{1}}}));
  ASSERT_EQ(shape_str(out[0].shape()), "[3," + std::to_string(total) + ",13]");
  const float* o = out[0].data<float>();
  for (int64_t n = 0; n < 3; ++n) {
    int64_t c0 = 0;
    for (const auto& in : ins) {
      const Tensor& t = in.t;
      for (int64_t c = 0; c < t.dim(1); ++c)
        for (int64_t w = 0; w < 13; ++w)
          ASSERT_EQ(o[(n * total + c0 + c) * 13 + w], t.data<float>()[(n * t.dim(1) + c) * 13 + w]);
      c0 += t.dim(1);
    }
  }
}

TEST(Concat, MismatchedShapesAreAModelError) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Concat, {Tensor(DType::f32, {2, 3}), Tensor(DType::f32, {3, 3})},
                                 attrs_of({{"axis", int64_t{1}}}), 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("does not fit"), std::string::npos) << msg;
}

TEST(Split, EqualPartsWithoutSplitInput) {
  auto out = run_op(OpType::Split, {f32({1, 2, 3, 4, 5, 6}, {2, 3})}, attrs_of({{"axis", int64_t{0}}}), 2);
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(floats(out[1]), (std::vector<float>{4, 5, 6}));
}

TEST(Split, VariablePartsIncludingZeroAlongLastAxis) {
  Tensor x = f32({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  auto out = run_op(OpType::Split, {x, Const(i64({1, 0, 3}, {3}))}, attrs_of({{"axis", int64_t{-1}}}), 3);
  EXPECT_EQ(shape_str(out[0].shape()), "[2,1]");
  EXPECT_EQ(shape_str(out[1].shape()), "[2,0]");
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1, 5}));
  EXPECT_EQ(floats(out[2]), (std::vector<float>{2, 3, 4, 6, 7, 8}));
}

TEST(Split, Opset18NumOutputsAllowsSmallerLastPart) {
  Tensor x = f32({1, 2, 3, 4, 5, 6, 7}, {7});
  auto out = run_op(OpType::Split, {x}, attrs_of({{"num_outputs", int64_t{3}}}), 3);
  EXPECT_EQ(floats(out[0]), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(floats(out[1]), (std::vector<float>{4, 5, 6}));
  EXPECT_EQ(floats(out[2]), (std::vector<float>{7}));
}

TEST(Split, UnevenWithoutNumOutputsOrBadSizesIsAModelError) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Split, {Tensor(DType::f32, {5})}, {}, 2, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("equal parts"), std::string::npos) << msg;
  msg = run_op_error(OpType::Split, {Tensor(DType::f32, {5}), Const(i64({2, 2}, {2}))}, {}, 2, &kind);
  EXPECT_NE(msg.find("add up to 4"), std::string::npos) << msg;
}

TEST(Split, ThenConcatRoundTripsAwkwardShape) {
  Tensor x = random_tensor({3, 127, 5}, 7);
  auto parts = run_op(OpType::Split, {x, Const(i64({1, 63, 63}, {3}))}, attrs_of({{"axis", int64_t{1}}}), 3);
  auto back = run_op(OpType::Concat, {parts[0], parts[1], parts[2]}, attrs_of({{"axis", int64_t{1}}}));
  EXPECT_EQ(max_abs_error(back[0], x), 0.0);
}

}  // namespace
}  // namespace segrt
