// BatchNormalization (inference) and InstanceNormalization on the reference
// backend: hand-checked values, rank 2 to 5, NHWC against NCHW.
#include "ops/spatial_test_util.h"

namespace segrt {
namespace {

using test::iota;
using test::random_tensor;
using test::run1;

Tensor vec(std::vector<float> v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }

TEST(BatchNormalization, UsesRunningStatistics) {
  Attrs a;
  a.set("epsilon", 0.0);
  // channel 0: (x - 1) / 2 * 3 + 4; channel 1: (x - 0) / 1 * 1 + 0
  Tensor x = Tensor::from_vector({1, 3, 5, -1, 0, 2}, {1, 2, 3});
  Tensor y = run1(OpType::BatchNormalization, a, {x, vec({3, 1}), vec({4, 0}), vec({1, 0}), vec({4, 1})});
  EXPECT_VALUES(y, {4, 7, 10, -1, 0, 2});
}

TEST(BatchNormalization, EpsilonIsAddedToTheVariance) {
  Attrs a;
  a.set("epsilon", 0.5);
  Tensor y = run1(OpType::BatchNormalization, a, {vec({2}).reshaped({1, 1}), vec({1}), vec({0}), vec({0}), vec({1.5f})});
  EXPECT_VALUES(y, {std::sqrt(2.f) * 1.f});  // 2 / sqrt(2)
}

TEST(BatchNormalization, NhwcMatchesNchw) {
  for (Shape s : {Shape{2, 3, 13, 7}, Shape{1, 5, 1, 1}, Shape{1, 2, 3, 4, 5}}) {
    int64_t c = s[1];
    std::vector<Tensor> in = {random_tensor(s, 1), random_tensor({c}, 2), random_tensor({c}, 3),
                              random_tensor({c}, 4), random_tensor({c}, 5, 0.1f, 2.f)};
    Tensor ref = run1(OpType::BatchNormalization, {}, in);
    Attrs a;
    a.set("layout", "NHWC");
    in[0] = test::to_nhwc(in[0]);
    EXPECT_LT(test::max_abs_error(run1(OpType::BatchNormalization, a, in), test::to_nhwc(ref)), 1e-6);
  }
}

TEST(BatchNormalization, TrainingModeIsUnsupportedWithReason) {
  Attrs a;
  a.set("training_mode", int64_t{1});
  try {
    run1(OpType::BatchNormalization, a, {iota({1, 1, 2}), vec({1}), vec({0}), vec({0}), vec({1})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("training_mode=1"), std::string::npos) << e.what();
  }
}

TEST(InstanceNormalization, NormalisesEachPlane) {
  Attrs a;
  a.set("epsilon", 0.0);
  // plane [1, 3]: mean 2, variance 1 -> [-1, 1] * scale + bias
  Tensor x = Tensor::from_vector({1, 3, 10, 14}, {1, 2, 2});  // second plane: mean 12, std 2
  Tensor y = run1(OpType::InstanceNormalization, a, {x, vec({2, 1}), vec({0.5f, 7})});
  EXPECT_VALUES(y, {-1.5f, 2.5f, 6, 8});
}

TEST(InstanceNormalization, NhwcMatchesNchwOnAwkwardShapes) {
  for (Shape s : {Shape{2, 3, 13, 7}, Shape{1, 4, 127}, Shape{1, 1, 3, 1, 5}}) {
    int64_t c = s[1];
    std::vector<Tensor> in = {random_tensor(s, 7), random_tensor({c}, 8), random_tensor({c}, 9)};
    Tensor ref = run1(OpType::InstanceNormalization, {}, in);
    Attrs a;
    a.set("layout", "NHWC");
    in[0] = test::to_nhwc(in[0]);
    EXPECT_LT(test::max_abs_error(run1(OpType::InstanceNormalization, a, in), test::to_nhwc(ref)), 1e-5);
  }
}

}  // namespace
}  // namespace segrt
