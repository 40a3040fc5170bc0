// Resize on the reference backend: every nearest_mode and coordinate
// transformation by hand, linear and cubic weights, exclude_outside,
// tf_crop_and_resize extrapolation, sizes against scales, and N-D linear.
#include "ir/ops/resize_util.h"
#include "ops/spatial_test_util.h"

namespace segrt {
namespace {

using test::iota;
using test::run1;

Attrs resize_attrs(const std::string& mode, const std::string& coord, const std::string& nearest = "floor") {
  Attrs a;
  a.set("mode", mode);
  a.set("coordinate_transformation_mode", coord);
  a.set("nearest_mode", nearest);
  return a;
}

Tensor scales(std::vector<float> s) { return Tensor::from_vector(s, {static_cast<int64_t>(s.size())}); }
Tensor sizes(std::vector<int64_t> s) { return Tensor::from_i64(s, {static_cast<int64_t>(s.size())}); }

TEST(Resize, NearestAsymmetricFloorRepeatsPixels) {  // the membrane U-Net's upsampling
  Tensor y = run1(OpType::Resize, resize_attrs("nearest", "asymmetric"),
                  {iota({1, 1, 2, 2}), Tensor(), scales({1, 1, 2, 2})});
  EXPECT_EQ(shape_str(y.shape()), "[1,1,4,4]");
  EXPECT_VALUES(y, {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3});
}

TEST(Resize, EveryNearestModeOnQuarterPixels) {
  // 3 -> 12 pixels, asymmetric: x = o / 4 = 0, .25, .5, .75, 1, ... 2.75 (exact in binary); indices clamp at 2.
  struct { const char* mode; std::vector<float> want; } cases[] = {
      {"floor", {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}},
      {"ceil", {0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2}},
      {"round_prefer_floor", {0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2}},
      {"round_prefer_ceil", {0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2}}};
  for (const auto& c : cases) {
    Tensor y = run1(OpType::Resize, resize_attrs("nearest", "asymmetric", c.mode), {iota({3}), Tensor(), scales({4})});
    EXPECT_VALUES(y, c.want);
  }
}

TEST(Resize, CoordinateTransformationsByHand) {
  Tensor x = Tensor::from_vector({0, 3}, {2});
  // half_pixel 2 -> 4: x = -0.25, 0.25, 0.75, 1.25, clamped to the edges.
  EXPECT_VALUES(run1(OpType::Resize, resize_attrs("linear", "half_pixel"), {x, Tensor(), scales({2})}),
                {0, 0.75f, 2.25f, 3});
  EXPECT_VALUES(run1(OpType::Resize, resize_attrs("linear", "align_corners"), {x, Tensor(), scales({2})}),
                {0, 1, 2, 3});
  EXPECT_VALUES(run1(OpType::Resize, resize_attrs("linear", "asymmetric"), {x, Tensor(), scales({2})}),
                {0, 1.5f, 3, 3});
  // pytorch_half_pixel: a length-1 output samples coordinate 0; half_pixel samples the middle.
  Tensor x3 = Tensor::from_vector({0, 3, 6}, {3});
  EXPECT_VALUES(run1(OpType::Resize, resize_attrs("linear", "pytorch_half_pixel"), {x3, Tensor(), Tensor(), sizes({1})}),
                {0});
  EXPECT_VALUES(run1(OpType::Resize, resize_attrs("linear", "half_pixel"), {x3, Tensor(), Tensor(), sizes({1})}),
                {3});
  // tf_half_pixel_for_nn: x = (o + 0.5) / 2 = 0.25, 0.75, 1.25, 1.75 -> floor 0, 0, 1, 1.
  EXPECT_VALUES(run1(OpType::Resize, resize_attrs("nearest", "tf_half_pixel_for_nn"), {x, Tensor(), scales({2})}),
                {0, 0, 3, 3});
}

TEST(Resize, TfCropAndResizeExtrapolates) {
  // roi [-0.5, 1.5] on 2 pixels, 3 outputs: x = -0.5, 0.5, 1.5 -> outside, middle, outside.
  Attrs a = resize_attrs("linear", "tf_crop_and_resize");
  a.set("extrapolation_value", 7.0);
  Tensor y = run1(OpType::Resize, a, {Tensor::from_vector({0, 10}, {2}), scales({-0.5f, 1.5f}).reshaped({2}),
                                      Tensor(), sizes({3})});
  EXPECT_VALUES(y, {7, 5, 7});
}

TEST(Resize, CubicWeightsAndExcludeOutside) {
  double w[4];
  resize_cubic_weights(0.5, -0.75, w);
  EXPECT_NEAR(w[0], -0.09375, 1e-12);
  EXPECT_NEAR(w[1], 0.59375, 1e-12);
  EXPECT_NEAR(w[2], 0.59375, 1e-12);
  EXPECT_NEAR(w[3], -0.09375, 1e-12);
  resize_cubic_weights(0.0, -0.5, w);  // at a sample point the kernel interpolates
  EXPECT_NEAR(w[0], 0, 1e-12);
  EXPECT_NEAR(w[1], 1, 1e-12);
  EXPECT_NEAR(w[2], 0, 1e-12);
  EXPECT_NEAR(w[3], 0, 1e-12);
  // Asymmetric 2x on [0, 8, 0, 0]: output 1 sits at x = 0.5 with taps -1..2.
  Tensor x = Tensor::from_vector({0, 8, 0, 0}, {4});
  Tensor edge = run1(OpType::Resize, resize_attrs("cubic", "asymmetric"), {x, Tensor(), scales({2})});
  EXPECT_NEAR(test::values(edge)[1], 8 * 0.59375, 1e-5);  // tap -1 clamps to x[0] = 0
  Attrs ex = resize_attrs("cubic", "asymmetric");
  ex.set("exclude_outside", int64_t{1});
  Tensor excl = run1(OpType::Resize, ex, {x, Tensor(), scales({2})});
  EXPECT_NEAR(test::values(excl)[1], 8 * 0.59375 / (1 + 0.09375), 1e-5);  // tap -1 dropped, renormalised
}

TEST(Resize, SizesEqualsScalesForExactFactors) {
  Tensor x = test::random_tensor({1, 3, 13, 7}, 4);
  for (const char* coord : {"half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"})
    for (const char* mode : {"nearest", "linear", "cubic"}) {
      Tensor a = run1(OpType::Resize, resize_attrs(mode, coord), {x, Tensor(), scales({1, 1, 3, 2})});
      Tensor b = run1(OpType::Resize, resize_attrs(mode, coord), {x, Tensor(), Tensor(), sizes({1, 3, 39, 14})});
      EXPECT_EQ(shape_str(a.shape()), "[1,3,39,14]");
      EXPECT_LT(test::max_abs_error(a, b), 1e-6) << mode << " " << coord;
    }
}

TEST(Resize, LinearOnThreeAxesReproducesALinearFunction) {
  // f(i, j, k) = i + 2j + 3k; align_corners linear resizing keeps it linear on any axes.
  Shape s{3, 13, 7};
  Tensor x(DType::f32, s);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 13; ++j)
      for (int64_t k = 0; k < 7; ++k) x.data<float>()[(i * 13 + j) * 7 + k] = static_cast<float>(i + 2 * j + 3 * k);
  Tensor y = run1(OpType::Resize, resize_attrs("linear", "align_corners"), {x, Tensor(), Tensor(), sizes({5, 27, 2})});
  for (int64_t i = 0; i < 5; ++i)
    for (int64_t j = 0; j < 27; ++j)
      for (int64_t k = 0; k < 2; ++k) {
        double want = i * 2.0 / 4 + 2 * (j * 12.0 / 26) + 3 * (k * 6.0 / 1);
        ASSERT_NEAR(y.data<float>()[(i * 27 + j) * 2 + k], want, 1e-4);
      }
}

TEST(Resize, ScalesAndSizesBothOrNeitherIsAModelError) {
  try {
    run1(OpType::Resize, resize_attrs("nearest", "asymmetric"), {iota({1, 1, 2, 2}), Tensor(), scales({1, 1, 2, 2}),
                                                                 sizes({1, 1, 4, 4})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("exactly one of scales and sizes"), std::string::npos) << e.what();
  }
}

TEST(Resize, SizesOfTheWrongLengthIsAModelError) {
  try {
    run1(OpType::Resize, resize_attrs("nearest", "asymmetric"), {iota({1, 1, 2, 2}), Tensor(), Tensor(), sizes({4, 4})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("sizes has 2 values for 4 axes"), std::string::npos) << e.what();
  }
}

TEST(Resize, UnknownModeIsUnsupportedWithItsName) {
  try {
    run1(OpType::Resize, resize_attrs("area", "asymmetric"), {iota({1, 1, 2, 2}), Tensor(), scales({1, 1, 2, 2})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("'area'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace segrt
