// Segmenter with hand-written "networks" (plain C++ functions of the input
// batch), so padding, cropping, tiling, batching, channel mapping and heads
// are tested without any model file or op kernel.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "segrt/segment.h"
#include "segrt/error.h"

using namespace segrt;
using namespace segrt::app;

namespace {

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

// Pixelwise "network": P(class 1) = sigmoid(20 (x - 0.5)), so class 1 where pixel > 127.5.
Tensor pixel_net(const Tensor& x) {
  Tensor y(DType::f32, x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) y.data<float>()[i] = sigmoid(20.f * (x.data<float>()[i] - 0.5f));
  return y;
}

// A translation-equivariant net with a receptive field: box mean over a
// (2r+1)^2 window (zero padding at the input's edges, like a conv), then a sigmoid.
Tensor box_net(const Tensor& x, int r) {
  int64_t n = x.dim(0), h = x.dim(2), w = x.dim(3);
  Tensor y(DType::f32, x.shape());
  const float* in = x.data<float>();
  float* out = y.data<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        float s = 0;
        for (int64_t di = -r; di <= r; ++di)
          for (int64_t dj = -r; dj <= r; ++dj) {
            int64_t ii = i + di, jj = j + dj;
            if (ii >= 0 && ii < h && jj >= 0 && jj < w) s += in[(b * h + ii) * w + jj];
          }
        out[(b * h + i) * w + j] = sigmoid(12.f * (s / float((2 * r + 1) * (2 * r + 1)) - 0.5f));
      }
  return y;
}

Image noisy_blobs(int64_t w, int64_t h, uint32_t seed, int channels = 1, int bits = 8) {
  Image img(w, h, channels, bits);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(-0.15f, 0.15f);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) {
        float v = 0.5f + 0.35f * std::sin(0.05f * x) * std::cos(0.037f * y) + noise(rng);
        v = std::clamp(v, 0.f, 1.f);
        if (bits == 16) img.data16[img.index(y, x, c)] = static_cast<uint16_t>(v * 65535);
        else img.data8[img.index(y, x, c)] = static_cast<uint8_t>(v * 255);
      }
  return img;
}

SegmentConfig gray_config(int stride = 16) {
  SegmentConfig cfg;
  ModelInfo m;
  m.input_shape = {-1, 1, -1, -1};
  m.output_op = "Sigmoid";
  m.total_stride = stride;
  resolve_config(cfg, m);
  return cfg;
}

double agreement(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return static_cast<double>(same) / static_cast<double>(a.size());
}

TEST(Segmenter, OddSizesArePaddedToTheStrideAndCroppedBack) {
  std::vector<Shape> seen;
  Segmenter seg(gray_config(16), [&](const Tensor& x) {
    seen.push_back(x.shape());
    // The padded rows/columns mirror the image (reflect): row 391 equals row 389.
    const float* p = x.data<float>();
    int64_t w = x.dim(3);
    for (int64_t j = 0; j < 509; ++j) EXPECT_EQ(p[391 * w + j], p[389 * w + j]);
    return pixel_net(x);
  });
  Image img = noisy_blobs(509, 391, 1);
  SegmentResult r = seg.segment(img, true);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(shape_str(seen[0]), "[1,1,400,512]");
  EXPECT_EQ(r.width, 509);
  EXPECT_EQ(r.height, 391);
  ASSERT_EQ(r.mask.size(), 509u * 391u);
  EXPECT_EQ(shape_str(r.probs.shape()), "[1,391,509]");
  for (int64_t y = 0; y < 391; ++y)
    for (int64_t x = 0; x < 509; ++x)
      ASSERT_EQ(r.mask[y * 509 + x], img.sample(y, x, 0) > 127.5f ? 1 : 0) << "at " << y << "," << x;
}

TEST(Segmenter, TiledAndUntiledMasksAgree) {
  const int radius = 6;
  auto net = [&](const Tensor& x) { return box_net(x, radius); };
  Image img = noisy_blobs(509, 391, 2);
  SegmentConfig cfg = gray_config(16);
  cfg.max_pixels = 0;  // never tile on size
  Segmenter whole(cfg, net);
  SegmentResult a = whole.segment(img, true);

  cfg.force_tiling = true;
  cfg.tile_size = 128;
  cfg.tile_overlap = 32;
  int64_t largest = 0;
  Segmenter tiled(cfg, [&](const Tensor& x) {
    largest = std::max(largest, x.numel());
    return net(x);
  });
  SegmentResult b = tiled.segment(img, true);
  EXPECT_GT(b.tiles, 4);
  EXPECT_LE(largest, 128 * 128 * cfg.batch) << "no model run sees more than a batch of tiles";
  EXPECT_GE(agreement(a.mask, b.mask), 0.999);
  // Away from tile seams the blended probabilities equal the untiled ones.
  double far = 0;
  const float* pa = a.probs.data<float>();
  const float* pb = b.probs.data<float>();
  for (int64_t i = 0; i < a.probs.numel(); ++i) far = std::max(far, static_cast<double>(std::fabs(pa[i] - pb[i])));
  EXPECT_LT(far, 0.25);
}

TEST(Segmenter, LargeImagesAreTiledAutomatically) {
  SegmentConfig cfg = gray_config(16);
  cfg.max_pixels = 300 * 300;
  cfg.tile_size = 128;
  cfg.tile_overlap = 32;
  Shape biggest;
  Segmenter seg(cfg, [&](const Tensor& x) {
    if (x.numel() > shape_numel(biggest)) biggest = x.shape();
    return pixel_net(x);
  });
  Image small = noisy_blobs(200, 200, 3), large = noisy_blobs(700, 333, 4);
  EXPECT_FALSE(seg.is_tiled(small));
  EXPECT_TRUE(seg.is_tiled(large));
  SegmentResult r = seg.segment(large, false);
  EXPECT_EQ(biggest[2], 128);
  EXPECT_EQ(biggest[3], 128);
  // The pixelwise net makes tiling exact.
  for (int64_t y = 0; y < large.height; ++y)
    for (int64_t x = 0; x < large.width; ++x)
      ASSERT_EQ(r.mask[y * large.width + x], large.sample(y, x, 0) > 127.5f ? 1 : 0);
}

TEST(Segmenter, ImagesOfOneSizeShareModelRuns) {
  SegmentConfig cfg = gray_config(16);
  cfg.batch = 4;
  std::vector<int64_t> batch_sizes;
  Segmenter seg(cfg, [&](const Tensor& x) {
    batch_sizes.push_back(x.dim(0));
    return pixel_net(x);
  });
  std::vector<Image> imgs = {noisy_blobs(60, 50, 5), noisy_blobs(60, 50, 6), noisy_blobs(61, 49, 7),
                             noisy_blobs(100, 30, 8), noisy_blobs(64, 64, 9)};
  std::vector<const Image*> ptrs;
  for (auto& i : imgs) ptrs.push_back(&i);
  auto results = seg.segment(ptrs, false);
  // 60x50, 60x50, 61x49 and 64x64 all pad to 64x64; 100x30 pads to 112x32.
  std::sort(batch_sizes.begin(), batch_sizes.end());
  EXPECT_EQ(batch_sizes, (std::vector<int64_t>{1, 4}));
  for (size_t i = 0; i < imgs.size(); ++i) {
    SegmentResult alone = seg.segment(imgs[i], false);
    EXPECT_EQ(alone.mask, results[i].mask) << "image " << i;
  }
}

TEST(Segmenter, ChannelCountThatDoesNotFitIsAnError) {
  Segmenter gray(gray_config(), pixel_net);
  Image rgb = noisy_blobs(20, 20, 10, 3);
  try {
    gray.segment(rgb, false);
    ADD_FAILURE() << "an RGB image went into a 1-channel model";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("3 channels"), std::string::npos) << e.what();
  }
  SegmentConfig cfg = gray_config();
  cfg.to_gray = true;  // explicit luminance conversion is allowed
  Segmenter lum(cfg, pixel_net);
  EXPECT_EQ(lum.segment(rgb, false).mask.size(), 400u);
  // Gray + alpha: the alpha channel is not data.
  Image ga = noisy_blobs(20, 20, 11, 2);
  EXPECT_NO_THROW(gray.check_image(ga));

  // A 3-channel model takes gray (replicated) and RGBA (alpha dropped), not gray+alpha+... 4-channel RGBA models need RGBA.
  ModelInfo m3;
  m3.input_shape = {-1, 3, -1, -1};
  m3.output_op = "Sigmoid";
  SegmentConfig c3;
  resolve_config(c3, m3);
  Segmenter rgbnet(c3, [](const Tensor& x) {
    Tensor y(DType::f32, {x.dim(0), 1, x.dim(2), x.dim(3)});
    int64_t hw = x.dim(2) * x.dim(3);
    for (int64_t i = 0; i < hw; ++i) y.data<float>()[i] = x.data<float>()[i] - x.data<float>()[hw + i] + 0.5f;
    return y;
  });
  Image g = noisy_blobs(20, 20, 12, 1);
  SegmentResult r = rgbnet.segment(g, true);  // replicated channels: R - G + 0.5 = 0.5 everywhere
  for (int64_t i = 0; i < 400; ++i) EXPECT_FLOAT_EQ(r.probs.data<float>()[i], 0.5f);
  EXPECT_NO_THROW(rgbnet.check_image(noisy_blobs(5, 5, 13, 4)));
  ModelInfo m4 = m3;
  m4.input_shape = {-1, 4, -1, -1};
  SegmentConfig c4;
  resolve_config(c4, m4);
  Segmenter rgba(c4, pixel_net);
  EXPECT_THROW(rgba.check_image(noisy_blobs(5, 5, 14, 3)), Error);
}

TEST(Segmenter, SixteenBitImagesMatchTheirEightBitVersion) {
  Image img8 = noisy_blobs(50, 40, 15, 1, 8);
  Image img16(50, 40, 1, 16);
  for (size_t i = 0; i < img8.data8.size(); ++i) img16.data16[i] = static_cast<uint16_t>(img8.data8[i] * 257);
  Segmenter seg(gray_config(), pixel_net);
  SegmentResult a = seg.segment(img8, true), b = seg.segment(img16, true);
  EXPECT_EQ(a.mask, b.mask);
  for (int64_t i = 0; i < a.probs.numel(); ++i) EXPECT_NEAR(a.probs.data<float>()[i], b.probs.data<float>()[i], 1e-5);
}

TEST(Segmenter, SoftmaxAndLogitsHeadsTakeTheArgmax) {
  // Three classes by brightness, as logits in NHWC: dark, mid, bright.
  ModelInfo m;
  m.input_shape = {-1, -1, -1, 1};
  m.input_layout = Layout::NHWC;
  m.output_op = "Conv";
  m.total_stride = 4;
  SegmentConfig cfg;
  resolve_config(cfg, m);
  ASSERT_EQ(cfg.head, Head::Logits);
  Segmenter seg(cfg, [](const Tensor& x) {
    Tensor y(DType::f32, {x.dim(0), x.dim(1), x.dim(2), 3});
    for (int64_t i = 0; i < x.numel(); ++i) {
      float v = x.data<float>()[i];
      y.data<float>()[i * 3 + 0] = 10 * (0.33f - v);
      y.data<float>()[i * 3 + 1] = 10 * (0.17f - std::fabs(v - 0.5f));
      y.data<float>()[i * 3 + 2] = 10 * (v - 0.67f);
    }
    return y;
  });
  Image img(3, 1, 1, 8);
  img.data8 = {10, 128, 250};
  SegmentResult r = seg.segment(img, true);
  EXPECT_EQ(r.mask, (std::vector<uint8_t>{0, 1, 2}));
  ASSERT_EQ(r.probs.dim(0), 3);
  for (int64_t x = 0; x < 3; ++x) {  // softmax applied: probabilities sum to 1
    float s = 0;
    for (int64_t k = 0; k < 3; ++k) s += r.probs.data<float>()[k * 3 + x];
    EXPECT_NEAR(s, 1.f, 1e-5);
  }
  EXPECT_EQ(seg.config().classes.size(), 3u);
}

TEST(Segmenter, FixedSizeModelsGetAResize) {
  ModelInfo m;
  m.input_shape = {1, 1, 64, 64};
  m.output_op = "Sigmoid";
  SegmentConfig cfg;
  resolve_config(cfg, m);
  ASSERT_EQ(cfg.size_policy, SizePolicy::Resize);
  Segmenter seg(cfg, [](const Tensor& x) {
    EXPECT_EQ(shape_str(x.shape()), "[1,1,64,64]");
    return pixel_net(x);
  });
  // Left half dark, right half bright: the mask follows at the original size.
  Image img(300, 200, 1, 8);
  for (int64_t y = 0; y < 200; ++y)
    for (int64_t x = 0; x < 300; ++x) img.data8[img.index(y, x, 0)] = x < 150 ? 20 : 230;
  SegmentResult r = seg.segment(img, false);
  ASSERT_EQ(r.mask.size(), 300u * 200u);
  int wrong = 0;
  for (int64_t y = 0; y < 200; ++y)
    for (int64_t x = 0; x < 300; ++x) wrong += r.mask[y * 300 + x] != (x < 150 ? 0 : 1);
  EXPECT_LE(wrong, 200 * 4) << "only the columns at the edge may differ";
}

TEST(Segmenter, LowResolutionOutputsAreUpsampled) {
  Segmenter seg(gray_config(4), [](const Tensor& x) {
    // Output at 1/4 resolution: average-pool the input 4x4, then the pixel net.
    int64_t h = x.dim(2) / 4, w = x.dim(3) / 4;
    Tensor y(DType::f32, {x.dim(0), 1, h, w});
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        float s = 0;
        for (int a = 0; a < 4; ++a)
          for (int b = 0; b < 4; ++b) s += x.data<float>()[(i * 4 + a) * x.dim(3) + j * 4 + b];
        y.data<float>()[i * w + j] = sigmoid(20.f * (s / 16 - 0.5f));
      }
    return y;
  });
  Image img(64, 32, 1, 8);
  for (int64_t y = 0; y < 32; ++y)
    for (int64_t x = 0; x < 64; ++x) img.data8[img.index(y, x, 0)] = y < 16 ? 0 : 255;
  SegmentResult r = seg.segment(img, false);
  EXPECT_EQ(r.mask[5 * 64 + 10], 0);
  EXPECT_EQ(r.mask[28 * 64 + 10], 1);
}

TEST(Segmenter, OverlayAndScore) {
  SegmentConfig cfg = gray_config();
  cfg.classes = {{"bg", std::nullopt, 255}, {"fg", std::array<uint8_t, 3>{255, 0, 0}, 0}};
  cfg.overlay_alpha = 0.5;
  Image img(2, 1, 1, 8);
  img.data8 = {100, 100};
  Image ov = make_overlay(img, {0, 1}, cfg);
  EXPECT_EQ(ov.channels, 3);
  EXPECT_EQ(ov.data8, (std::vector<uint8_t>{100, 100, 100, 178, 50, 50}));
  // Labels: 255 = bg, 0 = fg (nearest value). Prediction: bg fg fg bg; truth: bg fg bg bg.
  Image label(4, 1, 1, 8);
  label.data8 = {250, 3, 255, 200};
  Score s = score_mask({0, 1, 1, 0}, label, cfg);
  EXPECT_DOUBLE_EQ(s.accuracy, 0.75);
  EXPECT_DOUBLE_EQ(s.dice[1], 2.0 * 1 / (2 + 1));
  EXPECT_DOUBLE_EQ(s.dice[0], 2.0 * 2 / (2 + 3));
}

}  // namespace
