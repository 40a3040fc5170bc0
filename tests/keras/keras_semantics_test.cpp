// Keras semantics checked against hand-computed expectations, on graphs built
// from configs written here (no TensorFlow available): TF 'same' padding at
// stride 2, Conv2DTranspose output sizes and output_padding, Cropping2D,
// asymmetric ZeroPadding2D, pooling, UpSampling2D modes by Keras version,
// BatchNormalization, activations with version-dependent definitions.
#include <cmath>

#include "keras_test_util.h"

namespace segrt {
namespace {

using namespace keras_test;

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

Tensor ones(const Shape& s) { return iota(s, 1.f, 0.f); }

// TF 'same' at stride 2 on an even size pads 0 before and 1 after
// (total = max((ceil(4/2)-1)*2 + 3 - 4, 0) = 1): windows start at rows 0 and 2.
TEST(KerasSemantics, ConvSameStride2PadsBottomRight) {
  Graph g = sequential({layer("Conv2D", {{"name", "conv"}, {"filters", 1}, {"kernel_size", {3, 3}},
                                         {"strides", {2, 2}}, {"padding", "same"}, {"use_bias", false}})},
                       {-1, 4, 4, 1}, {{"conv", {{"kernel", ones({3, 3, 1, 1})}}}});
  const Node* conv = find_node(g, OpType::Conv);
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->attrs.s("auto_pad", ""), "SAME_UPPER");
  EXPECT_EQ(conv->attrs.s("layout", ""), "NHWC");
  auto y = test::run_ref(g, {iota({1, 4, 4, 1})});
  EXPECT_EQ(shape_str(y[0].shape()), "[1,2,2,1]");
  // x[r][c] = 4r + c; y[0][0] = sum rows 0-2 x cols 0-2, y[1][1] = rows 2-3 x cols 2-3.
  expect_near(to_vec(y[0]), {45, 39, 66, 50});
}

// Kernel HWIO -> OIHW, checked on values and on a valid conv computed by hand.
TEST(KerasSemantics, ConvKernelLayoutAndBias) {
  Tensor k = iota({2, 2, 2, 3}, 0.1f, 0.1f);  // [kh, kw, in, out]
  Tensor b = values({1, -1, 0.5f}, {3});
  Graph g = sequential({layer("Conv2D", {{"name", "c"}, {"filters", 3}, {"kernel_size", {2, 2}},
                                         {"padding", "valid"}, {"activation", "linear"}})},
                       {-1, 3, 3, 2}, {{"c", {{"kernel", k}, {"bias", b}}}});
  const Node* conv = find_node(g, OpType::Conv);
  const Tensor& w = g.value(conv->inputs[1]).constant;
  ASSERT_EQ(shape_str(w.shape()), "[3,2,2,2]");
  for (int o = 0; o < 3; ++o)
    for (int i = 0; i < 2; ++i)
      for (int h = 0; h < 2; ++h)
        for (int x = 0; x < 2; ++x)
          EXPECT_EQ(w.data<float>()[((o * 2 + i) * 2 + h) * 2 + x], k.data<float>()[((h * 2 + x) * 2 + i) * 3 + o]);
  Tensor in = iota({1, 3, 3, 2}, -1.f, 0.25f);
  auto y = test::run_ref(g, {in});
  ASSERT_EQ(shape_str(y[0].shape()), "[1,2,2,3]");
  const float* X = in.data<float>();
  const float* K = k.data<float>();
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c)
      for (int o = 0; o < 3; ++o) {
        double s = b.data<float>()[o];
        for (int kh = 0; kh < 2; ++kh)
          for (int kw = 0; kw < 2; ++kw)
            for (int i = 0; i < 2; ++i) s += X[((r + kh) * 3 + c + kw) * 2 + i] * K[((kh * 2 + kw) * 2 + i) * 3 + o];
        EXPECT_NEAR(y[0].data<float>()[(r * 2 + c) * 3 + o], s, 1e-5);
      }
}

// TF conv_transpose by definition: scatter x[i] * K[a] to i*s + a, then crop
// `before` positions and keep `out` of them.
std::vector<float> tf_conv_transpose_2d(const std::vector<float>& x, int in, const std::vector<float>& k, int ks,
                                        int s, int out, int before, float bias) {
  int full = std::max((in - 1) * s + ks, out + before);
  std::vector<float> f(static_cast<size_t>(full * full), 0.f);
  for (int iy = 0; iy < in; ++iy)
    for (int ix = 0; ix < in; ++ix)
      for (int a = 0; a < ks; ++a)
        for (int c = 0; c < ks; ++c) f[(iy * s + a) * full + ix * s + c] += x[iy * in + ix] * k[a * ks + c];
  std::vector<float> y;
  for (int r = 0; r < out; ++r)
    for (int c = 0; c < out; ++c) y.push_back(f[(r + before) * full + c + before] + bias);
  return y;
}

struct TransposeCase {
  int ks, stride;
  const char* padding;
  int output_padding;  // -1 = None
  int out, before;     // Keras output size and TF's crop at the start
};

TEST(KerasSemantics, Conv2DTransposeSizesAndOutputPadding) {
  const TransposeCase cases[] = {
      {3, 2, "same", -1, 4, 0},   // out = in*s; total = k - s = 1 -> crop 0 before
      {4, 2, "same", -1, 4, 1},   // total = 2 -> 1 before, 1 after
      {4, 2, "same", 1, 3, 1},    // out = (in-1)*s + k - 2*(k/2) + 1 = 3; total = 3 -> 1 before
      {2, 3, "valid", -1, 6, 0},  // k < s: out = in*s, trailing zeros + bias
      {3, 2, "valid", 1, 6, 0},   // out = (in-1)*s + k + 1
  };
  std::vector<float> x = {1, 2, 3, 4};
  for (const auto& tc : cases) {
    SCOPED_TRACE(std::string(tc.padding) + " k=" + std::to_string(tc.ks) + " s=" + std::to_string(tc.stride) +
                 " op=" + std::to_string(tc.output_padding));
    Json cfg = {{"name", "up"}, {"filters", 1}, {"kernel_size", {tc.ks, tc.ks}}, {"strides", {tc.stride, tc.stride}},
                {"padding", tc.padding}};
    if (tc.output_padding >= 0) cfg["output_padding"] = {tc.output_padding, tc.output_padding};
    Tensor k = iota({tc.ks, tc.ks, 1, 1}, 1.f);
    Graph g = sequential({layer("Conv2DTranspose", cfg)}, {-1, 2, 2, 1},
                         {{"up", {{"kernel", k}, {"bias", values({0.5f}, {1})}}}});
    auto y = test::run_ref(g, {values(x, {1, 2, 2, 1})});
    ASSERT_EQ(shape_str(y[0].shape()), shape_str({1, tc.out, tc.out, 1}));
    expect_near(to_vec(y[0]), tf_conv_transpose_2d(x, 2, to_vec(k), tc.ks, tc.stride, tc.out, tc.before, 0.5f));
  }
}

// The U-Net's residual shortcut: a 1x1 conv at stride 2, 'same' (no padding:
// it samples pixels 0, 2, ...), added to the pooled branch.
TEST(KerasSemantics, Residual1x1Stride2SameAndAdd) {
  auto in = Json{{"class_name", "InputLayer"}, {"name", "x"},
                 {"config", {{"name", "x"}, {"batch_input_shape", {nullptr, 4, 4, 1}}}}, {"inbound_nodes", Json::array()}};
  auto call = [](const char* cls, const char* n, std::vector<const char*> from, Json cfg) {
    Json inb = Json::array();
    for (auto f : from) inb.push_back({f, 0, 0, Json::object()});
    cfg["name"] = n;
    return Json{{"class_name", cls}, {"name", n}, {"config", cfg}, {"inbound_nodes", {inb}}};
  };
  Json model = {{"class_name", "Functional"},
                {"config",
                 {{"name", "m"},
                  {"layers", {in,
                              call("MaxPooling2D", "pool", {"x"}, {{"pool_size", {3, 3}}, {"strides", {2, 2}}, {"padding", "same"}}),
                              call("Conv2D", "short", {"x"}, {{"filters", 1}, {"kernel_size", {1, 1}}, {"strides", {2, 2}}, {"padding", "same"}}),
                              call("Add", "add", {"pool", "short"}, Json::object())}},
                  {"input_layers", {{"x", 0, 0}}},
                  {"output_layers", {{"add", 0, 0}}}}}};
  MemoryStore store({{"short", {{"kernel", values({10}, {1, 1, 1, 1})}, {"bias", values({0.5f}, {1})}}}});
  Graph g = keras::build_keras_graph(model, keras::KerasVersion::parse("2.4.0"), store);
  auto y = test::run_ref(g, {iota({1, 4, 4, 1})});
  // pool: {10, 11, 14, 15}; shortcut: 10 * x[{0,2}][{0,2}] + 0.5 = {0.5, 20.5, 80.5, 100.5}
  expect_near(to_vec(y[0]), {10.5f, 31.5f, 94.5f, 115.5f});
}

TEST(KerasSemantics, Rescaling) {
  Graph g = sequential({layer("Rescaling", {{"name", "r"}, {"scale", 1.0 / 255}, {"offset", -1.0}})}, {-1, 2});
  expect_near(to_vec(test::run_ref(g, {values({0, 255}, {1, 2})})[0]), {-1, 0});
}

TEST(KerasSemantics, Cropping2DAsymmetric) {
  Graph g = sequential({layer("Cropping2D", {{"name", "crop"}, {"cropping", {{1, 2}, {0, 1}}}})}, {-1, 5, 4, 1});
  auto y = test::run_ref(g, {iota({1, 5, 4, 1})});
  EXPECT_EQ(shape_str(y[0].shape()), "[1,2,3,1]");
  expect_near(to_vec(y[0]), {4, 5, 6, 8, 9, 10});
}

TEST(KerasSemantics, ZeroPadding2DAsymmetric) {
  Graph g = sequential({layer("ZeroPadding2D", {{"name", "pad"}, {"padding", {{0, 1}, {2, 0}}}})}, {-1, 2, 2, 1});
  auto y = test::run_ref(g, {values({1, 2, 3, 4}, {1, 2, 2, 1})});
  EXPECT_EQ(shape_str(y[0].shape()), "[1,3,4,1]");
  expect_near(to_vec(y[0]), {0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0});
}

// 3x3/2 'same' max pooling on 4x4 (the U-Net's pooling): pad 0 before, 1 after.
TEST(KerasSemantics, MaxPoolSameStride2) {
  Graph g = sequential({layer("MaxPooling2D", {{"name", "mp"}, {"pool_size", {3, 3}}, {"strides", {2, 2}},
                                               {"padding", "same"}})},
                       {-1, 4, 4, 1});
  auto y = test::run_ref(g, {iota({1, 4, 4, 1})});
  expect_near(to_vec(y[0]), {10, 11, 14, 15});
}

// TF's 'same' average divides by the valid pixels only.
TEST(KerasSemantics, AveragePoolSameCountsValidPixels) {
  Graph g = sequential({layer("AveragePooling2D", {{"name", "ap"}, {"pool_size", {2, 2}}, {"strides", {2, 2}},
                                                   {"padding", "same"}})},
                       {-1, 3, 3, 1});
  EXPECT_EQ(find_node(g, OpType::AveragePool)->attrs.i("count_include_pad", 1), 0);
  auto y = test::run_ref(g, {iota({1, 3, 3, 1})});
  expect_near(to_vec(y[0]), {2, 3.5f, 6.5f, 8});
}

TEST(KerasSemantics, UpSamplingNearest) {
  Graph g = sequential({layer("UpSampling2D", {{"name", "up"}, {"size", {2, 2}}})}, {-1, 2, 2, 1});
  const Node* r = find_node(g, OpType::Resize);
  EXPECT_EQ(r->attrs.s("mode", ""), "nearest");
  EXPECT_EQ(r->attrs.s("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(r->attrs.s("nearest_mode", ""), "floor");
  auto y = test::run_ref(g, {values({1, 2, 3, 4}, {1, 2, 2, 1})});
  expect_near(to_vec(y[0]), {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
}

// Bilinear: TF2 (Keras >= 2.4, tf.keras 2.3.0-tf, Keras 3) samples at half-pixel
// centres, TF1-era Keras (<= 2.3.1, 2.2.4-tf) at i / scale (asymmetric).
TEST(KerasSemantics, UpSamplingBilinearByKerasVersion) {
  struct Case {
    const char* version;
    std::vector<float> want;
  } cases[] = {{"2.4.0", {0, 0.25f, 0.75f, 1}}, {"3.13.2", {0, 0.25f, 0.75f, 1}}, {"2.3.0-tf", {0, 0.25f, 0.75f, 1}},
               {"2.3.1", {0, 0.5f, 1, 1}}, {"2.2.4-tf", {0, 0.5f, 1, 1}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.version);
    Graph g = sequential({layer("UpSampling2D", {{"name", "up"}, {"size", {1, 2}}, {"interpolation", "bilinear"}})},
                         {-1, 1, 2, 1}, {}, c.version);
    auto y = test::run_ref(g, {values({0, 1}, {1, 1, 2, 1})});
    expect_near(to_vec(y[0]), c.want);
  }
}

// Resizing uses TF2's tf.image.resize: half-pixel centres for both modes.
TEST(KerasSemantics, ResizingLayer) {
  Graph bl = sequential({layer("Resizing", {{"name", "r"}, {"height", 1}, {"width", 4}})}, {-1, 1, 2, 1});
  expect_near(to_vec(test::run_ref(bl, {values({0, 1}, {1, 1, 2, 1})})[0]), {0, 0.25f, 0.75f, 1});
  Graph nn = sequential({layer("Resizing", {{"name", "r"}, {"height", 1}, {"width", 3}, {"interpolation", "nearest"}})},
                        {-1, 1, 2, 1});
  // source column floor((i + 0.5) * 2/3) = 0, 1, 1
  auto y = test::run_ref(nn, {values({5, 7}, {1, 1, 2, 1})});
  expect_near(to_vec(y[0]), {5, 7, 7});
}

TEST(KerasSemantics, BatchNormUsesFileEpsilon) {
  Graph g = sequential({layer("BatchNormalization", {{"name", "bn"}, {"axis", -1}, {"epsilon", 0.001}})},
                       {-1, 1, 1, 2},
                       {{"bn", {{"gamma", values({2, 3}, {2})}, {"beta", values({0.5f, -1}, {2})},
                                {"moving_mean", values({0, 1}, {2})}, {"moving_variance", values({4, 0.25f}, {2})}}}});
  EXPECT_EQ(find_node(g, OpType::BatchNormalization)->attrs.s("layout", ""), "NHWC");
  auto y = test::run_ref(g, {values({1, 2}, {1, 1, 1, 2})});
  expect_near(to_vec(y[0]), {static_cast<float>(1 / std::sqrt(4.001) * 2 + 0.5),
                             static_cast<float>(1 / std::sqrt(0.251) * 3 - 1)});
}

TEST(KerasSemantics, DenseOnLastAxisOf4D) {
  Graph g = sequential({layer("Dense", {{"name", "d"}, {"units", 2}})}, {-1, 2, 2, 3},
                       {{"d", {{"kernel", values({1, 0, 0, 1, 1, 1}, {3, 2})}, {"bias", values({0, 10}, {2})}}}});
  auto y = test::run_ref(g, {iota({1, 2, 2, 3})});
  EXPECT_EQ(shape_str(y[0].shape()), "[1,2,2,2]");
  // per pixel [a, b, c] -> [a + c, b + c + 10]
  expect_near(to_vec(y[0]), {2, 13, 8, 19, 14, 25, 20, 31});
}

TEST(KerasSemantics, FlattenKeepsChannelsLastOrder) {
  Graph g = sequential({layer("Flatten", {{"name", "f"}})}, {-1, 2, 2, 3});
  EXPECT_EQ(find_node(g, OpType::Transpose), nullptr);
  auto y = test::run_ref(g, {iota({1, 2, 2, 3})});
  EXPECT_EQ(shape_str(y[0].shape()), "[1,12]");
  expect_near(to_vec(y[0]), to_vec(iota({12})));
}

TEST(KerasSemantics, HardSigmoidDependsOnKerasVersion) {
  std::vector<float> x = {-3, -1, 0, 1, 2.5f, 3};
  Graph k2 = sequential({layer("Activation", {{"name", "a"}, {"activation", "hard_sigmoid"}})}, {-1, 6}, {}, "2.4.0");
  Graph k3 = sequential({layer("Activation", {{"name", "a"}, {"activation", "hard_sigmoid"}})}, {-1, 6}, {}, "3.1.0");
  expect_near(to_vec(test::run_ref(k2, {values(x, {1, 6})})[0]), {0, 0.3f, 0.5f, 0.7f, 1, 1});
  expect_near(to_vec(test::run_ref(k3, {values(x, {1, 6})})[0]), {0, 1 / 3.f, 0.5f, 2 / 3.f, 5.5f / 6, 1});
}

// Keras' relu(x, negative_slope, max_value, threshold) with all three set.
TEST(KerasSemantics, ReLUWithSlopeMaxAndThreshold) {
  Graph g = sequential({layer("ReLU", {{"name", "r"}, {"max_value", 1.4}, {"negative_slope", 0.2}, {"threshold", 0.2}})},
                       {-1, 5});
  auto y = test::run_ref(g, {values({-1, 0.1f, 0.2f, 0.5f, 2}, {1, 5})});
  expect_near(to_vec(y[0]), {-0.24f, -0.02f, 0, 0.5f, 1.4f});
}

TEST(KerasSemantics, ActivationStrings) {
  std::vector<float> x = {-2, -0.5f, 0, 0.5f, 2};
  auto run = [&](const char* act) {
    Graph g = sequential({layer("Activation", {{"name", "a"}, {"activation", act}})}, {-1, 5});
    return to_vec(test::run_ref(g, {values(x, {1, 5})})[0]);
  };
  std::vector<float> swish, gelu, elu, softsign;
  for (float v : x) {
    swish.push_back(v / (1 + std::exp(-v)));
    gelu.push_back(static_cast<float>(0.5 * v * (1 + std::erf(v / std::sqrt(2.0)))));
    elu.push_back(v > 0 ? v : std::exp(v) - 1);
    softsign.push_back(v / (1 + std::fabs(v)));
  }
  expect_near(run("swish"), swish);
  expect_near(run("silu"), swish);
  expect_near(run("gelu"), gelu);
  expect_near(run("elu"), elu);
  expect_near(run("softsign"), softsign);
  expect_near(run("relu6"), {0, 0, 0, 0.5f, 2});
  expect_near(run("linear"), x);
  auto sm = run("softmax");
  double sum = 0;
  for (float v : sm) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_NEAR(sm[4] / sm[3], std::exp(1.5f), 1e-4);
}

// Depthwise output channel c*mult + m reads input channel c with multiplier m.
TEST(KerasSemantics, DepthwiseMultiplierChannelOrder) {
  Graph g = sequential({layer("DepthwiseConv2D", {{"name", "dw"}, {"kernel_size", {1, 1}}, {"depth_multiplier", 2},
                                                  {"use_bias", false}})},
                       {-1, 1, 1, 2}, {{"dw", {{"depthwise_kernel", values({1, 2, 3, 4}, {1, 1, 2, 2})}}}});
  auto y = test::run_ref(g, {values({10, 100}, {1, 1, 1, 2})});
  expect_near(to_vec(y[0]), {10, 20, 300, 400});
}

TEST(KerasSemantics, SeparableConvIsDepthwiseThenPointwise) {
  Graph g = sequential({layer("SeparableConv2D", {{"name", "sep"}, {"filters", 1}, {"kernel_size", {1, 1}}})},
                       {-1, 1, 1, 2},
                       {{"sep", {{"depthwise_kernel", values({2, 3}, {1, 1, 2, 1})},
                                 {"pointwise_kernel", values({1, 10}, {1, 1, 2, 1})}, {"bias", values({0.5f}, {1})}}}});
  auto y = test::run_ref(g, {values({1, 2}, {1, 1, 1, 2})});
  expect_near(to_vec(y[0]), {62.5f});
}

TEST(KerasSemantics, PReLUSharedAxes) {
  Graph g = sequential({layer("PReLU", {{"name", "p"}, {"shared_axes", {1, 2}}})}, {-1, 1, 2, 2},
                       {{"p", {{"alpha", values({0.1f, 0.5f}, {1, 1, 2})}}}});
  auto y = test::run_ref(g, {values({-1, -1, 2, -2}, {1, 1, 2, 2})});
  expect_near(to_vec(y[0]), {-0.1f, -0.5f, 2, -1});
}

}  // namespace
}  // namespace segrt
