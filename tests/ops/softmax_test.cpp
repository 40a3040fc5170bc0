// Softmax / LogSoftmax: opset-13 single-axis semantics and the pre-13
// "flatten to 2-D at axis" semantics (legacy_flatten=1).
#include <cmath>

#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(Softmax, LastAxisByDefaultHandChecked) {
  auto out = run_op(OpType::Softmax, {f32({0, 0, 1, 2, 3, 1000}, {2, 3})});
  const double e = std::exp(1.0);
  std::vector<float> got = floats(out[0]);
  EXPECT_NEAR(got[0], 1 / (2 + e), 1e-7);  // row [0, 0, 1]
  EXPECT_NEAR(got[2], e / (2 + e), 1e-7);
  EXPECT_EQ(got[3], 0.f);                  // row [2, 3, 1000]: exp(-998) underflows to 0
  EXPECT_NEAR(got[5], 1.0, 1e-7);          // and 1000 does not overflow
}

TEST(Softmax, Axis1Of3DNormalisesOnlyThatAxis) {
  Tensor x = random_tensor({2, 3, 4}, 5, -3, 3);
  auto y = floats(run_op(OpType::Softmax, {x}, attrs_of({{"axis", int64_t{1}}}))[0]);
  for (int n = 0; n < 2; ++n)
    for (int w = 0; w < 4; ++w) {
      double s = 0;
      for (int c = 0; c < 3; ++c) s += y[(n * 3 + c) * 4 + w];
      EXPECT_NEAR(s, 1.0, 1e-6);
    }
}

TEST(Softmax, LegacyFlattenNormalisesEverythingFromAxisOn) {
  Tensor x = random_tensor({2, 3, 4}, 6, -3, 3);
  auto y = floats(run_op(OpType::Softmax, {x}, attrs_of({{"axis", int64_t{1}}, {"legacy_flatten", int64_t{1}}}))[0]);
  auto xv = floats(x);
  for (int n = 0; n < 2; ++n) {
    double den = 0;
    for (int i = 0; i < 12; ++i) den += std::exp(static_cast<double>(xv[n * 12 + i]));
    for (int i = 0; i < 12; ++i) EXPECT_NEAR(y[n * 12 + i], std::exp(static_cast<double>(xv[n * 12 + i])) / den, 1e-6);
  }
  // axis 0: one row holding everything.
  auto all = floats(run_op(OpType::Softmax, {x}, attrs_of({{"axis", int64_t{0}}, {"legacy_flatten", int64_t{1}}}))[0]);
  double s = 0;
  for (float v : all) s += v;
  EXPECT_NEAR(s, 1.0, 1e-5);
}

TEST(LogSoftmax, EqualsLogOfSoftmaxAndIsStableForLargeInputs) {
  Tensor x = f32({1000, 1001, 1002, -5, 0, 5}, {2, 3});
  auto ls = floats(run_op(OpType::LogSoftmax, {x})[0]);
  auto sm = floats(run_op(OpType::Softmax, {x})[0]);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(ls[i], std::log(static_cast<double>(sm[i])), 1e-5);
  EXPECT_NEAR(ls[2], -std::log(1 + std::exp(-1.0) + std::exp(-2.0)), 1e-6);
}

TEST(Softmax, BadAxisIsAModelErrorAndIntsAreUnsupported) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Softmax, {Tensor(DType::f32, {2, 3})}, attrs_of({{"axis", int64_t{2}}}), 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  run_op_error(OpType::Softmax, {i64({1, 2}, {2})}, {}, 1, &kind);
  EXPECT_EQ(kind, ErrorKind::Unsupported);
}

}  // namespace
}  // namespace segrt
