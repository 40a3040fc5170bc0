// Pad on the reference backend: constant, reflect and edge by hand, negative
// pads (cropping), the opset-18 axes input, integer dtypes, bad pads.
#include "ops/spatial_test_util.h"

namespace segrt {
namespace {

using test::iota;
using test::run1;

Tensor ints(std::vector<int64_t> v) { return Tensor::from_i64(v, {static_cast<int64_t>(v.size())}); }

Attrs mode(const char* m) {
  Attrs a;
  a.set("mode", m);
  return a;
}

TEST(Pad, ConstantEdgeReflectInOneDimension) {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3});
  EXPECT_VALUES(run1(OpType::Pad, mode("constant"), {x, ints({2, 1}), Tensor::scalar_f32(9)}), {9, 9, 1, 2, 3, 9});
  EXPECT_VALUES(run1(OpType::Pad, mode("constant"), {x, ints({1, 0})}), {0, 1, 2, 3});  // default value 0
  EXPECT_VALUES(run1(OpType::Pad, mode("edge"), {x, ints({2, 3})}), {1, 1, 1, 2, 3, 3, 3, 3});
  EXPECT_VALUES(run1(OpType::Pad, mode("reflect"), {x, ints({2, 2})}), {3, 2, 1, 2, 3, 2, 1});
}

TEST(Pad, TwoDimensionalReflectMatchesOnnxExample) {
  // ONNX Pad doc, reflect with pads [0, 2, 0, 0] on [[1.0, 1.2], [2.3, 3.4], [4.5, 5.7]].
  Tensor x = Tensor::from_vector({1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f}, {3, 2});
  Tensor y = run1(OpType::Pad, mode("reflect"), {x, ints({0, 1, 0, 0})});
  EXPECT_EQ(shape_str(y.shape()), "[3,3]");
  EXPECT_VALUES(y, {1.2f, 1.0f, 1.2f, 3.4f, 2.3f, 3.4f, 5.7f, 4.5f, 5.7f});
}

TEST(Pad, NegativePadsCrop) {
  Tensor y = run1(OpType::Pad, mode("constant"), {iota({3, 4}), ints({-1, 1, 0, -2})});
  EXPECT_EQ(shape_str(y.shape()), "[2,3]");
  EXPECT_VALUES(y, {0, 4, 5, 0, 8, 9});
}

TEST(Pad, AxesInputPadsOnlyTheListedAxes) {
  Tensor y = run1(OpType::Pad, mode("edge"), {iota({2, 3}), ints({1, 1}), Tensor(), ints({-1})});
  EXPECT_EQ(shape_str(y.shape()), "[2,5]");
  EXPECT_VALUES(y, {0, 0, 1, 2, 2, 3, 3, 4, 5, 5});
}

TEST(Pad, Int64DataKeepsItsValues) {
  Tensor x = Tensor::from_i64({int64_t{1} << 60, 7}, {2});
  Tensor y = run1(OpType::Pad, mode("constant"), {x, ints({1, 1}), Tensor::from_i64({-3}, {})});
  EXPECT_EQ(y.to_i64_vector(), (std::vector<int64_t>{-3, int64_t{1} << 60, 7, -3}));
}

TEST(Pad, AwkwardShapesKeepTheInteriorAndMirrorTheBorder) {
  Tensor x = test::random_tensor({1, 3, 13, 7}, 9);
  Tensor y = run1(OpType::Pad, mode("reflect"), {x, ints({0, 0, 3, 2, 0, 0, 1, 6})});
  ASSERT_EQ(shape_str(y.shape()), "[1,3,17,15]");
  auto at_x = [&](int64_t c, int64_t h, int64_t w) { return x.data<float>()[(c * 13 + h) * 7 + w]; };
  auto at_y = [&](int64_t c, int64_t h, int64_t w) { return y.data<float>()[(c * 17 + h) * 15 + w]; };
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t h = 0; h < 17; ++h)
      for (int64_t w = 0; w < 15; ++w) {
        int64_t ih = h - 3, iw = w - 2;
        ih = ih < 0 ? -ih : ih > 12 ? 24 - ih : ih;
        iw = iw < 0 ? -iw : iw > 6 ? 12 - iw : iw;
        ASSERT_EQ(at_y(c, h, w), at_x(c, ih, iw)) << c << "," << h << "," << w;
      }
}

TEST(Pad, ReflectWiderThanTheInputIsAModelError) {
  try {
    run1(OpType::Pad, mode("reflect"), {iota({3}), ints({3, 0})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("reflect"), std::string::npos) << e.what();
  }
}

TEST(Pad, PadsOfTheWrongLengthIsAModelError) {
  try {
    run1(OpType::Pad, mode("constant"), {iota({2, 3}), ints({1, 1})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("expected 4"), std::string::npos) << e.what();
  }
}

// Opset 19's wrap repeats the input, any number of times over.
TEST(Pad, WrapRepeatsTheInput) {
  Tensor x = iota({3});
  Tensor y = run1(OpType::Pad, mode("wrap"), {x, ints({4, 2})});
  std::vector<float> want;
  for (int i = -4; i < 5; ++i) want.push_back(x.data<float>()[((i % 3) + 3) % 3]);
  EXPECT_EQ(std::vector<float>(y.data<float>(), y.data<float>() + y.numel()), want);
}

TEST(Pad, UnknownModeIsUnsupportedByName) {
  try {
    run1(OpType::Pad, mode("mirror"), {iota({3}), ints({1, 1})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("'mirror'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace segrt
