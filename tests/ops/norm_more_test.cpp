// LayerNormalization (axis, Mean / InvStdDev outputs), GroupNormalization
// (per-group and per-channel parameters), LpNormalization, MVN and LRN
// against straightforward recomputations.
#include <cmath>

#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(NormMore, LayerNormalizationOverLastAxes) {
  Tensor x = f32({1, 2, 3, 4, 6, 8}, {2, 3});
  auto out = run_op(OpType::LayerNormalization, {x, Const(f32({1, 2, 1}, {3})), Const(f32({0, 0, 1}, {3}))},
                    attrs_of({{"epsilon", 0.0}}), 3);
  const float s = std::sqrt(2.f / 3.f);  // std of {1,2,3}
  auto y = floats(out[0]);
  EXPECT_NEAR(y[0], -1 / s, 1e-5);
  EXPECT_NEAR(y[1], 0, 1e-6);
  EXPECT_NEAR(y[2], 1 / s + 1, 1e-5);
  EXPECT_NEAR(y[5], 1 / s + 1, 1e-5);  // {4,6,8} standardises like {1,2,3}
  EXPECT_EQ(shape_str(out[1].shape()), "[2,1]");
  EXPECT_EQ(floats(out[1]), (std::vector<float>{2, 6}));
  EXPECT_NEAR(floats(out[2])[0], 1 / s, 1e-5);
}

TEST(NormMore, GroupNormalizationPerGroupOrPerChannel) {
  Tensor x = random_tensor({2, 4, 3, 1}, 7);
  auto per_group = run_op(OpType::GroupNormalization, {x, Const(f32({2, 3}, {2})), Const(f32({0, 1}, {2}))},
                          attrs_of({{"num_groups", int64_t{2}}}));
  auto per_channel = run_op(OpType::GroupNormalization,
                            {x, Const(f32({2, 2, 3, 3}, {4})), Const(f32({0, 0, 1, 1}, {4}))},
                            attrs_of({{"num_groups", int64_t{2}}}));
  EXPECT_EQ(floats(per_group[0]), floats(per_channel[0]));
  // Group 0 of batch 0 (6 values) has mean 0 and variance 4 after scale 2.
  auto y = floats(per_channel[0]);
  double m = 0, v = 0;
  for (int i = 0; i < 6; ++i) m += y[i] / 6.0;
  for (int i = 0; i < 6; ++i) v += (y[i] - m) * (y[i] - m) / 6.0;
  EXPECT_NEAR(m, 0, 1e-5);
  EXPECT_NEAR(v, 4, 1e-3);
}

TEST(NormMore, LpMvnLrn) {
  Tensor x = f32({3, 4, 0, 0}, {2, 2});
  EXPECT_EQ(floats(run_op(OpType::LpNormalization, {x})[0]), (std::vector<float>{0.6f, 0.8f, 0, 0}));
  EXPECT_EQ(floats(run_op(OpType::LpNormalization, {x}, attrs_of({{"p", int64_t{1}}, {"axis", int64_t{0}}}))[0]),
            (std::vector<float>{1, 1, 0, 0}));
  auto mvn = run_op(OpType::MeanVarianceNormalization, {f32({1, 3, 5, 7}, {1, 1, 2, 2})});
  EXPECT_NEAR(floats(mvn[0])[0], -3 / std::sqrt(5.0), 1e-5);
  auto lrn = run_op(OpType::LRN, {f32({1, 2, 3}, {1, 3, 1, 1})},
                    attrs_of({{"size", int64_t{3}}, {"alpha", 3.0}, {"beta", 1.0}, {"bias", 1.0}}));
  EXPECT_NEAR(floats(lrn[0])[1], 2 / (1 + 1.0 * 14), 1e-6);  // alpha/size * (1+4+9)
  EXPECT_NEAR(floats(lrn[0])[0], 1 / (1 + 1.0 * 5), 1e-6);   // the window stops at channel 0
}

}  // namespace
}  // namespace segrt
