// Conv and ConvTranspose on the reference backend: hand-checked values,
// auto_pad resolution, groups, NHWC against NCHW, fused residual and
// activation, and ConvTranspose as the adjoint of Conv on awkward shapes.
#include "ir/ops/conv_util.h"
#include "ops/spatial_test_util.h"

namespace segrt {
namespace {

using test::iota;
using test::random_tensor;
using test::run1;
using test::values;

Tensor filled(Shape s, float v) {
  Tensor t(DType::f32, std::move(s));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = v;
  return t;
}

double dot(const Tensor& a, const Tensor& b) {
  auto x = a.to_f64_vector(), y = b.to_f64_vector();
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += x[i] * y[i];
  return s;
}

TEST(Conv, TwoByTwoOnesWithoutPadding) {
  Tensor y = run1(OpType::Conv, {}, {iota({1, 1, 3, 3}), filled({1, 1, 2, 2}, 1)});
  EXPECT_EQ(shape_str(y.shape()), "[1,1,2,2]");
  EXPECT_VALUES(y, {8, 12, 20, 24});
}

TEST(Conv, StridedPaddedMatchesOnnxExample) {  // ONNX Conv doc: 5x5 iota, 3x3 ones, pads 1, strides 2
  Attrs a;
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  a.set("strides", std::vector<int64_t>{2, 2});
  Tensor y = run1(OpType::Conv, a, {iota({1, 1, 5, 5}), filled({1, 1, 3, 3}, 1)});
  EXPECT_VALUES(y, {12, 27, 24, 63, 108, 81, 72, 117, 84});
}

TEST(Conv, DilatedOneDimensionalWithBias) {
  Attrs a;
  a.set("dilations", std::vector<int64_t>{2});
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5}, {1, 1, 5});
  Tensor y = run1(OpType::Conv, a, {x, filled({1, 1, 2}, 1), Tensor::from_vector({0.5f}, {1})});
  EXPECT_VALUES(y, {4.5f, 6.5f, 8.5f});
}

TEST(Conv, AutoPadSameUpperAndLowerPutTheOddPixelOppositeEnds) {
  // in 5, kernel 4, stride 1: 3 pixels of padding in total.
  EXPECT_EQ(resolve_auto_pad("SAME_UPPER", {5}, {4}, {1}, {1}, {}), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(resolve_auto_pad("SAME_LOWER", {5}, {4}, {1}, {1}, {}), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(resolve_auto_pad("VALID", {5}, {4}, {1}, {1}, {}), (std::vector<int64_t>{0, 0}));
  // in 13, kernel 3 dilated by 2 (extent 5), stride 3: out 5, total (5-1)*3 + 5 - 13 = 4.
  EXPECT_EQ(resolve_auto_pad("SAME_UPPER", {13}, {3}, {3}, {2}, {}), (std::vector<int64_t>{2, 2}));

  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5}, {1, 1, 5});
  Tensor w = Tensor::from_vector({1, 10, 100, 1000}, {1, 1, 4});
  Attrs up, lo;
  up.set("auto_pad", "SAME_UPPER");
  lo.set("auto_pad", "SAME_LOWER");
  // UPPER pads [1,2]: window over x[-1..2] etc.
  EXPECT_VALUES(run1(OpType::Conv, up, {x, w}), {10 + 200 + 3000, 1 + 20 + 300 + 4000, 2 + 30 + 400 + 5000,
                                                 3 + 40 + 500, 4 + 50});
  EXPECT_VALUES(run1(OpType::Conv, lo, {x, w}), {100 + 2000, 10 + 200 + 3000, 1 + 20 + 300 + 4000,
                                                 2 + 30 + 400 + 5000, 3 + 40 + 500});
}

TEST(Conv, GroupsEqualSeparateConvolutions) {
  // 6 input channels in 3 groups -> 9 outputs; each group checked against a one-group conv.
  Tensor x = random_tensor({2, 6, 7, 13}, 1);
  Tensor w = random_tensor({9, 2, 3, 3}, 2);
  Attrs a;
  a.set("group", int64_t{3});
  a.set("pads", std::vector<int64_t>{1, 0, 2, 1});
  Tensor y = run1(OpType::Conv, a, {x, w});
  ASSERT_EQ(shape_str(y.shape()), "[2,9,8,12]");
  Attrs one;
  one.set("pads", std::vector<int64_t>{1, 0, 2, 1});
  const int64_t plane_x = 7 * 13, plane_y = 8 * 12;
  for (int64_t g = 0; g < 3; ++g) {
    Tensor xg(DType::f32, {2, 2, 7, 13}), wg(DType::f32, {3, 2, 3, 3});
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t c = 0; c < 2; ++c)
        for (int64_t p = 0; p < plane_x; ++p)
          xg.data<float>()[(b * 2 + c) * plane_x + p] = x.data<float>()[(b * 6 + g * 2 + c) * plane_x + p];
    for (int64_t i = 0; i < wg.numel(); ++i) wg.data<float>()[i] = w.data<float>()[g * wg.numel() + i];
    Tensor yg = run1(OpType::Conv, one, {xg, wg});
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t m = 0; m < 3; ++m)
        for (int64_t p = 0; p < plane_y; ++p)
          ASSERT_FLOAT_EQ(yg.data<float>()[(b * 3 + m) * plane_y + p],
                          y.data<float>()[(b * 9 + g * 3 + m) * plane_y + p]);
  }
}

TEST(Conv, DepthwiseScalesEachChannel) {
  Tensor x = random_tensor({1, 3, 4, 5}, 3);
  Tensor w = Tensor::from_vector({2, -1, 0.5f}, {3, 1, 1, 1});
  Attrs a;
  a.set("group", int64_t{3});
  Tensor y = run1(OpType::Conv, a, {x, w});
  for (int64_t i = 0; i < x.numel(); ++i)
    EXPECT_FLOAT_EQ(y.data<float>()[i], x.data<float>()[i] * w.data<float>()[i / 20]);
}

TEST(Conv, NhwcMatchesNchwOnAwkwardShapes) {
  struct Case { Shape x, w; int64_t group; std::vector<int64_t> strides, dil; std::string auto_pad; };
  std::vector<Case> cases = {
      {{1, 3, 13, 7}, {5, 3, 3, 3}, 1, {1, 1}, {1, 1}, "SAME_UPPER"},
      {{2, 4, 1, 127}, {4, 1, 1, 5}, 4, {1, 2}, {1, 3}, "SAME_LOWER"},
      {{1, 6, 9, 11}, {3, 2, 2, 3}, 3, {2, 3}, {2, 1}, "VALID"},
      {{1, 1, 3, 3}, {1, 1, 3, 3}, 1, {1, 1}, {1, 1}, "NOTSET"},
      {{1, 2, 5, 4, 3}, {3, 2, 3, 2, 1}, 1, {1, 2, 1}, {1, 1, 2}, "SAME_UPPER"},
  };
  uint32_t seed = 10;
  for (const auto& c : cases) {
    Attrs a;
    a.set("group", c.group);
    a.set("strides", std::vector<int64_t>(c.strides.begin(), c.strides.end()));
    a.set("dilations", c.dil);
    a.set("auto_pad", c.auto_pad);
    if (c.x.size() == 5) {
      a.set("strides", std::vector<int64_t>{1, 2, 1});
      a.set("dilations", std::vector<int64_t>{1, 1, 2});
    }
    Tensor x = random_tensor(c.x, seed++), w = random_tensor(c.w, seed++), b = random_tensor({c.w[0]}, seed++);
    Tensor ref = run1(OpType::Conv, a, {x, w, b});
    a.set("layout", "NHWC");
    Tensor got = run1(OpType::Conv, a, {test::to_nhwc(x), w, b});
    EXPECT_EQ(got.layout(), Layout::NHWC);
    EXPECT_LT(test::max_abs_error(got, test::to_nhwc(ref)), 1e-6) << shape_str(c.x);
  }
}

TEST(Conv, FusedResidualIsAddedBeforeTheActivation) {
  Tensor x = random_tensor({1, 2, 6, 5}, 20), w = random_tensor({3, 2, 3, 3}, 21), b = random_tensor({3}, 22);
  Attrs a;
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  Tensor plain = run1(OpType::Conv, a, {x, w, b});
  Tensor res = random_tensor(plain.shape(), 23);
  Attrs f = a;
  f.set("fused_activation", "LeakyRelu");
  f.set("fused_alpha", 0.1);
  Tensor fused = run1(OpType::Conv, f, {x, w, b, res});
  for (int64_t i = 0; i < plain.numel(); ++i) {
    float v = plain.data<float>()[i] + res.data<float>()[i];
    EXPECT_NEAR(fused.data<float>()[i], v >= 0 ? v : 0.1f * v, 1e-6);
  }
  // Residual without a bias (input 2 absent).
  Tensor nob = run1(OpType::Conv, a, {x, w, Tensor(), res});
  Tensor plain_nob = run1(OpType::Conv, a, {x, w});
  for (int64_t i = 0; i < plain.numel(); ++i)
    EXPECT_NEAR(nob.data<float>()[i], plain_nob.data<float>()[i] + res.data<float>()[i], 1e-6);
}

TEST(Conv, MismatchedChannelsIsAModelError) {
  try {
    run1(OpType::Conv, {}, {random_tensor({1, 3, 5, 5}, 1), random_tensor({2, 4, 3, 3}, 2)});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("group"), std::string::npos) << e.what();
  }
}

TEST(Conv, EmptyBatchGivesAnEmptyOutput) {
  Tensor y = run1(OpType::Conv, {}, {Tensor(DType::f32, {0, 2, 5, 5}), random_tensor({3, 2, 3, 3}, 1)});
  EXPECT_EQ(shape_str(y.shape()), "[0,3,3,3]");
  Tensor t = run1(OpType::ConvTranspose, {}, {Tensor(DType::f32, {0, 2, 5, 5}), random_tensor({2, 3, 3, 3}, 1)});
  EXPECT_EQ(shape_str(t.shape()), "[0,3,7,7]");
}

TEST(ConvTranspose, PadsLargerThanTheOutputAreAModelError) {
  Attrs a;
  a.set("pads", std::vector<int64_t>{2, 2});
  try {
    run1(OpType::ConvTranspose, a, {random_tensor({1, 1, 1}, 1), random_tensor({1, 1, 3}, 2)});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("pads too large"), std::string::npos) << e.what();
  }
}

TEST(ConvTranspose, OneDimensionalByHand) {
  Tensor x = Tensor::from_vector({1, 2}, {1, 1, 2});
  Tensor w = filled({1, 1, 3}, 1);
  Attrs s2;
  s2.set("strides", std::vector<int64_t>{2});
  EXPECT_VALUES(run1(OpType::ConvTranspose, s2, {x, w}), {1, 1, 3, 2, 2});
  Attrs pads = s2;
  pads.set("pads", std::vector<int64_t>{1, 1});
  EXPECT_VALUES(run1(OpType::ConvTranspose, pads, {x, w}), {1, 3, 2});
  Attrs op = s2;
  op.set("output_padding", std::vector<int64_t>{1});
  EXPECT_VALUES(run1(OpType::ConvTranspose, op, {x, w}), {1, 1, 3, 2, 2, 0});
  Attrs os = s2;  // a larger output_shape extends at the end, like output_padding
  os.set("output_shape", std::vector<int64_t>{6});
  EXPECT_VALUES(run1(OpType::ConvTranspose, os, {x, w}), {1, 1, 3, 2, 2, 0});
  Attrs same = s2;  // SAME_UPPER: output 4 = in * stride, 1 pixel cropped at the end
  same.set("auto_pad", "SAME_UPPER");
  EXPECT_VALUES(run1(OpType::ConvTranspose, same, {x, w, Tensor::from_vector({10}, {1})}), {11, 11, 13, 12});
}

TEST(ConvTranspose, IsTheAdjointOfConv) {
  // <conv(x), y> == <x, conv_transpose(y)> with the same weights, strides,
  // dilations, pads and groups; output_padding recovers x's size.
  struct Case { Shape x, w; int64_t group; std::vector<int64_t> s, d, p; };
  std::vector<Case> cases = {
      {{1, 2, 13, 7}, {4, 2, 3, 3}, 1, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{2, 4, 9, 10}, {6, 2, 3, 2}, 2, {3, 1}, {2, 1}, {0, 1, 2, 0}},
      {{1, 3, 1, 127}, {3, 1, 1, 4}, 3, {1, 4}, {1, 2}, {0, 3, 0, 0}},
      {{1, 1, 11}, {2, 1, 3}, 1, {2}, {3}, {2, 1}},
  };
  uint32_t seed = 40;
  for (const auto& c : cases) {
    Attrs a;
    a.set("group", c.group);
    a.set("strides", c.s);
    a.set("dilations", c.d);
    a.set("pads", c.p);
    Tensor x = random_tensor(c.x, seed++), w = random_tensor(c.w, seed++);
    Tensor cx = run1(OpType::Conv, a, {x, w});
    Tensor y = random_tensor(cx.shape(), seed++);
    // Conv weights [M, C/g, k] read as ConvTranspose weights [C_t = M, M_t/g = C/g, k].
    std::vector<int64_t> out_pad;
    size_t n = c.x.size() - 2;
    for (size_t i = 0; i < n; ++i) {
      int64_t eff = (c.w[i + 2] - 1) * c.d[i] + 1;
      out_pad.push_back((c.x[i + 2] + c.p[i] + c.p[i + n] - eff) % c.s[i]);
    }
    a.set("output_padding", out_pad);
    Tensor ty = run1(OpType::ConvTranspose, a, {y, w});
    ASSERT_EQ(shape_str(ty.shape()), shape_str(x.shape()));
    double lhs = dot(cx, y), rhs = dot(x, ty);
    EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::fabs(lhs))) << shape_str(c.x);
  }
}

TEST(ConvTranspose, NhwcMatchesNchwWithFusedRelu) {
  Tensor x = random_tensor({2, 4, 5, 3}, 60), w = random_tensor({4, 3, 4, 4}, 61), b = random_tensor({6}, 62);
  Attrs a;
  a.set("group", int64_t{2});
  a.set("strides", std::vector<int64_t>{2, 2});
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  a.set("fused_activation", "Relu");
  Tensor ref = run1(OpType::ConvTranspose, a, {x, w, b});
  ASSERT_EQ(shape_str(ref.shape()), "[2,6,10,6]");
  for (float v : values(ref)) EXPECT_GE(v, 0.f);
  a.set("layout", "NHWC");
  Tensor got = run1(OpType::ConvTranspose, a, {test::to_nhwc(x), w, b});
  EXPECT_LT(test::max_abs_error(got, test::to_nhwc(ref)), 1e-6);
}

}  // namespace
}  // namespace segrt
