// The bundled membrane U-Net through the segment pipeline: the example
// images reach the recorded accuracy, an odd-sized crop is padded and cropped
// back, and tiled and untiled masks agree. Runs on the best backend built
// (as the demo does); skips with the reason while a needed op is missing.
#include <gtest/gtest.h>

#include <cstdlib>

#include "segrt/segment.h"
#include "segrt/engine.h"
#include "test_util.h"

using namespace segrt;
using namespace segrt::app;

namespace {

const std::string kRoot = segrt::test::source_dir();

struct Model {
  Engine engine;
  SegmentConfig cfg;
};

Model load_model() {
  Options o;
  o.backend = "auto";
  Engine e = Engine::load(kRoot + "/models/membrane_unet.onnx", o);
  SegmentConfig cfg;
  std::string side = find_sidecar(kRoot + "/models/membrane_unet.onnx");
  apply_sidecar(cfg, read_text_file(side), side);
  resolve_config(cfg, describe_model(e, cfg.output_name));
  return {std::move(e), cfg};
}

Image crop(const Image& img, int64_t w, int64_t h) {
  Image c(w, h, img.channels, 8);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int k = 0; k < img.channels; ++k) c.data8[c.index(y, x, k)] = img.data8[img.index(y, x, k)];
  return c;
}

double agreement(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return static_cast<double>(same) / static_cast<double>(a.size());
}

class MembraneModel : public ::testing::Test {
 protected:
  void SetUp() override {
    // Probe once: before Conv/Concat/... kernels exist, loading or running is Unsupported.
    try {
      m = std::make_unique<Model>(load_model());
      m->engine.run({Tensor(DType::f32, {1, 1, 16, 16})});
      // The oracle is naive (~90 s per 512x512 image on one core): these run on cpu/cuda,
      // or on ref when asked for with SEGRT_SLOW_TESTS=1.
      if (m->engine.backend() == "ref" && !std::getenv("SEGRT_SLOW_TESTS"))
        GTEST_SKIP() << "only the reference backend is built; set SEGRT_SLOW_TESTS=1 to run on it (minutes)";
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::Unsupported) GTEST_SKIP() << "the bundled model cannot run yet: " << e.what();
      throw;
    }
  }
  Segmenter segmenter(const SegmentConfig& cfg) {
    return Segmenter(cfg, [this](const Tensor& x) { return m->engine.run({x})[0]; });
  }
  std::unique_ptr<Model> m;
};

TEST_F(MembraneModel, ExampleImagesScoreAsRecorded) {
  Segmenter seg = segmenter(m->cfg);
  for (const char* id : {"26", "27"}) {
    Image img = read_image(kRoot + "/examples/membrane/" + id + ".png");
    Image label = read_image(kRoot + "/examples/membrane/" + id + "_label.png");
    SegmentResult r = seg.segment(img, false);
    Score s = score_mask(r.mask, label, seg.config());
    // README: 26 -> 0.9265 / 0.8183, 27 -> 0.9165 / 0.8057 (PyTorch); fp32 backends agree to ~1e-3.
    EXPECT_GE(s.accuracy, 0.91) << id;
    EXPECT_GE(s.dice[1], 0.80) << id;
    EXPECT_EQ(seg.config().classes[1].name, "membrane");
  }
}

TEST_F(MembraneModel, OddSizeIsPaddedAndCroppedBack) {
  Image img = read_image(kRoot + "/examples/membrane/26.png");
  Image odd = crop(img, 509, 391);
  Image label = crop(read_image(kRoot + "/examples/membrane/26_label.png"), 509, 391);
  Segmenter seg = segmenter(m->cfg);
  SegmentResult r = seg.segment(odd, false);
  ASSERT_EQ(r.width, 509);
  ASSERT_EQ(r.height, 391);
  Score s = score_mask(r.mask, label, seg.config());
  EXPECT_GE(s.accuracy, 0.90);
  EXPECT_GE(s.dice[1], 0.78);
}

TEST_F(MembraneModel, TiledAndUntiledMasksAgree) {
  Image img = read_image(kRoot + "/examples/membrane/27.png");
  SegmentConfig whole_cfg = m->cfg;
  whole_cfg.max_pixels = 0;
  Segmenter whole = segmenter(whole_cfg);
  SegmentResult a = whole.segment(img, false);
  SegmentConfig tiled_cfg = m->cfg;
  tiled_cfg.force_tiling = true;
  tiled_cfg.tile_size = 256;
  tiled_cfg.tile_overlap = 128;
  Segmenter tiled = segmenter(tiled_cfg);
  SegmentResult b = tiled.segment(img, false);
  EXPECT_EQ(b.tiles, 9);
  double agree = agreement(a.mask, b.mask);
  std::cout << "tiled (256, overlap 128) vs untiled agreement: " << agree << "\n";
  EXPECT_GE(agree, 0.999);
}

}  // namespace

namespace {

// --precision bf16 on the CPU (issue 5): the class map of the trained model
// stays put on >= 99.9% of pixels of both example images, against fp32 on
// the same backend. Needs AVX512_BF16 (oneDNN refuses bf16 convolutions on
// AVX2): elsewhere the engine says so and the test skips with that reason.
TEST(MembraneModelCpuBf16, ClassMapMatchesFp32) {
  Options o32, o16;
  o32.backend = o16.backend = "cpu";
  o16.precision = "bf16";
  std::unique_ptr<Engine> e32, e16;
  try {
    e32 = std::make_unique<Engine>(Engine::load(kRoot + "/models/membrane_unet.onnx", o32));
    e16 = std::make_unique<Engine>(Engine::load(kRoot + "/models/membrane_unet.onnx", o16));
    e16->run({Tensor(DType::f32, {1, 1, 16, 16})});
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Unsupported) GTEST_SKIP() << e.what();
    throw;
  }
  SegmentConfig cfg;
  std::string side = find_sidecar(kRoot + "/models/membrane_unet.onnx");
  apply_sidecar(cfg, read_text_file(side), side);
  resolve_config(cfg, describe_model(*e32, cfg.output_name));
  cfg.max_pixels = 0;
  Segmenter s32(cfg, [&](const Tensor& x) { return e32->run({x})[0]; });
  Segmenter s16(cfg, [&](const Tensor& x) { return e16->run({x})[0]; });
  for (const char* id : {"26", "27"}) {
    Image img = read_image(kRoot + "/examples/membrane/" + id + ".png");
    SegmentResult a = s32.segment(img, false), b = s16.segment(img, false);
    double agree = agreement(a.mask, b.mask);
    Score s = score_mask(b.mask, read_image(kRoot + "/examples/membrane/" + id + "_label.png"), cfg);
    std::cout << id << ".png: bf16 vs fp32 class agreement " << agree << ", bf16 accuracy " << s.accuracy
              << ", membrane Dice " << s.dice[1] << "\n";
    EXPECT_GE(agree, 0.999) << id;
    EXPECT_GE(s.accuracy, 0.91) << id;
  }
}

}  // namespace
