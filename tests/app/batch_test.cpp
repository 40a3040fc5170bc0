// Folders of images: a corrupt file and a file that does not fit the model
// are reported and skipped while the rest are segmented; outputs mirror the
// folder, never land on an input, and labels are scored.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "segrt/batch.h"
#include "segrt/npy.h"

namespace fs = std::filesystem;
using namespace segrt;
using namespace segrt::app;

namespace {

Tensor threshold_net(const Tensor& x) {
  Tensor y(DType::f32, x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) y.data<float>()[i] = x.data<float>()[i] > 0.5f ? 0.9f : 0.1f;
  return y;
}

Image stripes(int64_t w, int64_t h, int channels) {
  Image img(w, h, channels, 8);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) img.data8[img.index(y, x, c)] = static_cast<uint8_t>(((x / 4) % 2 ? 200 : 30) + 10 * c);
  return img;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class BatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("segrt_batch_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "in" / "sub");
    ModelInfo m;
    m.input_shape = {-1, 1, -1, -1};
    m.output_op = "Sigmoid";
    m.total_stride = 8;
    resolve_config(cfg, m);
    cfg.classes = {{"dark", std::nullopt, 0}, {"bright", std::array<uint8_t, 3>{0, 255, 0}, 255}};
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
  SegmentConfig cfg;
};

TEST_F(BatchTest, CorruptAndMisfittingImagesAreSkippedTheRestSegmented) {
  write_image((dir / "in" / "a.png").string(), stripes(40, 30, 1));
  write_image((dir / "in" / "b.tif").string(), stripes(33, 17, 1));
  write_image((dir / "in" / "sub" / "c.bmp").string(), stripes(20, 20, 3));  // RGB into a gray model
  std::ofstream(dir / "in" / "broken.png", std::ios::binary) << "\x89PNG\r\n\x1a\n garbage";
  std::ofstream(dir / "in" / "notes.txt") << "not an image, not an input";
  write_image((dir / "in" / "sub" / "d.jpg").string(), stripes(24, 24, 1));  // stb stores gray JPEG as R = G = B
  // A label for a.png: exactly the stripes -> perfect score.
  write_image((dir / "in" / "a_label.png").string(), stripes(40, 30, 1));
  std::string before = slurp(dir / "in" / "a.png");

  RunOptions o;
  o.out_dir = (dir / "out").string();
  o.label_suffix = "_label";
  o.write_probs = true;
  auto files = collect_inputs({(dir / "in").string()}, o);
  ASSERT_EQ(files.size(), 5u) << "a, b, broken, sub/c, sub/d; not the label or the .txt";
  Segmenter seg(cfg, threshold_net);
  std::ostringstream out, err;
  RunSummary s = segment_files(seg, files, o, out, err);
  EXPECT_EQ(s.images, 5);
  EXPECT_EQ(s.failed, 2) << err.str();
  EXPECT_NE(err.str().find("broken.png"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("c.bmp"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("3 channels"), std::string::npos) << err.str();

  for (const char* p : {"a_mask.png", "a_overlay.png", "a_probs.npy", "b_mask.png", "sub/d_mask.png", "sub/d_overlay.png"})
    EXPECT_TRUE(fs::exists(dir / "out" / p)) << p;
  EXPECT_FALSE(fs::exists(dir / "out" / "broken_mask.png"));
  EXPECT_FALSE(fs::exists(dir / "out" / "sub" / "c_mask.png"));
  EXPECT_EQ(slurp(dir / "in" / "a.png"), before) << "inputs are never touched";

  Image mask = read_image((dir / "out" / "a_mask.png").string());
  EXPECT_EQ(mask.width, 40);
  EXPECT_EQ(mask.height, 30);
  EXPECT_EQ(mask.data8[0], 0);
  EXPECT_EQ(mask.data8[4], 1);
  Tensor probs = read_npy((dir / "out" / "a_probs.npy").string());
  EXPECT_EQ(shape_str(probs.shape()), "[1,30,40]");
  Image overlay = read_image((dir / "out" / "a_overlay.png").string());
  EXPECT_EQ(overlay.channels, 3);

  int scored = 0;
  for (const auto& r : s.reports)
    if (r.scored) {
      ++scored;
      EXPECT_DOUBLE_EQ(r.score.accuracy, 1.0);
      EXPECT_DOUBLE_EQ(r.score.dice[1], 1.0);
    }
  EXPECT_EQ(scored, 1);
  EXPECT_NE(out.str().find("pixel accuracy 1.0000"), std::string::npos) << out.str();
}

TEST_F(BatchTest, OutputsNeverOverwriteInputs) {
  // Writing next to the inputs: x's mask would be x_mask.png, which is itself an input here.
  write_image((dir / "in" / "x.png").string(), stripes(16, 16, 1));
  write_image((dir / "in" / "x_mask.png").string(), stripes(16, 16, 1));
  std::string before = slurp(dir / "in" / "x_mask.png");
  RunOptions o;
  o.out_dir = (dir / "in").string();
  auto files = collect_inputs({(dir / "in").string()}, o);
  Segmenter seg(cfg, threshold_net);
  std::ostringstream out, err;
  RunSummary s = segment_files(seg, files, o, out, err);
  EXPECT_EQ(s.failed, 1) << err.str();
  EXPECT_NE(err.str().find("overwrite"), std::string::npos) << err.str();
  EXPECT_EQ(slurp(dir / "in" / "x_mask.png"), before);
}

TEST_F(BatchTest, OutputFolderInsideTheInputFolderIsNotRescanned) {
  write_image((dir / "in" / "a.png").string(), stripes(16, 16, 1));
  RunOptions o;
  o.out_dir = (dir / "in" / "out").string();
  Segmenter seg(cfg, threshold_net);
  std::ostringstream out, err;
  segment_files(seg, collect_inputs({(dir / "in").string()}, o), o, out, err);
  auto again = collect_inputs({(dir / "in").string()}, o);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(fs::path(again[0].path).filename(), "a.png");
}

TEST_F(BatchTest, SameStemDifferentExtensionGetsDistinctOutputs) {
  write_image((dir / "in" / "a.png").string(), stripes(16, 16, 1));
  write_image((dir / "in" / "a.tif").string(), stripes(16, 16, 1));
  RunOptions o;
  o.out_dir = (dir / "out").string();
  auto files = collect_inputs({(dir / "in").string()}, o);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_NE(files[0].out_base, files[1].out_base);
}

TEST_F(BatchTest, MissingArgumentIsAnError) {
  RunOptions o;
  EXPECT_THROW(collect_inputs({(dir / "nope.png").string()}, o), Error);
}

}  // namespace
