// Image readers and writers: every format at every bit depth and channel
// count it holds round-trips (exactly where lossless), and broken files fail
// with a segrt::Error instead of crashing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "segrt/image.h"
#include "segrt/error.h"

namespace fs = std::filesystem;
using segrt::app::Image;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("segrt_image_io_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A smooth pattern (JPEG-friendly) that uses the full range of the bit depth.
Image pattern(int64_t w, int64_t h, int c, int bits) {
  Image img(w, h, c, bits);
  double max = bits == 16 ? 65535.0 : 255.0;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) {
        double v = 0.5 + 0.45 * std::sin(0.07 * x + 0.05 * y + 1.3 * k);
        size_t i = img.index(y, x, k);
        if (bits == 16) img.data16[i] = static_cast<uint16_t>(std::lround(v * max));
        else img.data8[i] = static_cast<uint8_t>(std::lround(v * max));
      }
  return img;
}

double max_diff(const Image& a, const Image& b) {
  double m = 0;
  for (int64_t y = 0; y < a.height; ++y)
    for (int64_t x = 0; x < a.width; ++x)
      for (int k = 0; k < a.channels; ++k) m = std::max(m, static_cast<double>(std::fabs(a.sample(y, x, k) - b.sample(y, x, k))));
  return m;
}

struct Case {
  const char* ext;
  int channels, bits;
  double tolerance;  // in sample units; 0 = lossless
};

class ImageRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(ImageRoundTrip, ReadsBackWhatWasWritten) {
  Case c = GetParam();
  fs::path dir = temp_dir("rt");
  std::string path = (dir / (std::string("img") + c.ext)).string();
  Image src = pattern(37, 23, c.channels, c.bits);  // odd sizes catch stride bugs
  segrt::app::write_image(path, src);
  Image got = segrt::app::read_image(path);
  EXPECT_EQ(got.width, 37);
  EXPECT_EQ(got.height, 23);
  EXPECT_EQ(got.bits, c.bits);
  if (std::string(c.ext) == ".jpg" && c.channels == 1) {
    // stb's JPEG writer stores gray as YCbCr with neutral chroma: it reads back as R = G = B.
    ASSERT_EQ(got.channels, 3);
    Image first(got.width, got.height, 1, 8);
    for (int64_t i = 0; i < got.width * got.height; ++i) {
      EXPECT_EQ(got.data8[i * 3], got.data8[i * 3 + 1]);
      EXPECT_EQ(got.data8[i * 3], got.data8[i * 3 + 2]);
      first.data8[i] = got.data8[i * 3];
    }
    got = first;
  }
  EXPECT_EQ(got.channels, c.channels);
  if (got.channels == c.channels && got.bits == c.bits) {
    EXPECT_LE(max_diff(src, got), c.tolerance);
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, ImageRoundTrip,
    ::testing::Values(Case{".png", 1, 8, 0}, Case{".png", 2, 8, 0}, Case{".png", 3, 8, 0}, Case{".png", 4, 8, 0},
                      Case{".png", 1, 16, 0}, Case{".png", 2, 16, 0}, Case{".png", 3, 16, 0}, Case{".png", 4, 16, 0},
                      Case{".tif", 1, 8, 0}, Case{".tif", 2, 8, 0}, Case{".tif", 3, 8, 0}, Case{".tiff", 4, 8, 0},
                      Case{".tif", 1, 16, 0}, Case{".tif", 2, 16, 0}, Case{".tif", 3, 16, 0}, Case{".tif", 4, 16, 0},
                      Case{".bmp", 3, 8, 0}, Case{".bmp", 4, 8, 0}, Case{".jpg", 1, 8, 12}, Case{".jpg", 3, 8, 16}),
    [](const ::testing::TestParamInfo<Case>& i) {
      return std::string(i.param.ext + 1) + "_c" + std::to_string(i.param.channels) + "_" + std::to_string(i.param.bits) + "bit";
    });

TEST(ImageIo, SixteenBitKeepsValuesAbove255) {
  fs::path dir = temp_dir("16");
  Image src(3, 2, 1, 16);
  src.data16 = {0, 1, 256, 4095, 40000, 65535};
  for (const char* ext : {".png", ".tif"}) {
    std::string path = (dir / (std::string("a") + ext)).string();
    segrt::app::write_image(path, src);
    Image got = segrt::app::read_image(path);
    EXPECT_EQ(got.data16, src.data16) << ext;
  }
  fs::remove_all(dir);
}

TEST(ImageIo, ReadsTheExampleImages) {
  Image img = segrt::app::read_image(std::string(SEGRT_SOURCE_DIR) + "/examples/membrane/26.png");
  EXPECT_EQ(img.width, 512);
  EXPECT_EQ(img.height, 512);
  EXPECT_EQ(img.color_channels(), 1);
  EXPECT_EQ(img.bits, 8);
}

TEST(ImageIo, BrokenFilesAreErrorsNotCrashes) {
  fs::path dir = temp_dir("bad");
  // A PNG cut off in the middle, random bytes named .png, a TIFF header with nothing after it, an empty .jpg.
  std::string good = (dir / "good.png").string();
  segrt::app::write_image(good, pattern(64, 64, 3, 8));
  std::string png;
  {
    std::ifstream f(good, std::ios::binary);
    png.assign(std::istreambuf_iterator<char>(f), {});
  }
  std::vector<std::pair<std::string, std::string>> files = {
      {"truncated.png", png.substr(0, png.size() / 3)},
      {"noise.png", std::string("\x13\x37 this is not an image at all", 31)},
      {"header_only.tif", std::string("II*\0\x08\0\0\0", 8)},
      {"empty.jpg", ""},
  };
  for (const auto& [name, bytes] : files) {
    std::string p = (dir / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    try {
      segrt::app::read_image(p);
      ADD_FAILURE() << name << " was read without an error";
    } catch (const segrt::Error& e) {
      EXPECT_EQ(e.kind(), segrt::ErrorKind::InvalidInput) << name << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << "the message should name the file: " << e.what();
    }
  }
  try {
    segrt::app::read_image((dir / "missing.png").string());
    ADD_FAILURE() << "a missing file was read";
  } catch (const segrt::Error& e) {
    EXPECT_EQ(e.kind(), segrt::ErrorKind::Io);
  }
  fs::remove_all(dir);
}

TEST(ImageIo, ImagePathsByExtension) {
  EXPECT_TRUE(segrt::app::is_image_path("a/b.PNG"));
  EXPECT_TRUE(segrt::app::is_image_path("x.tiff"));
  EXPECT_TRUE(segrt::app::is_image_path("x.jpeg"));
  EXPECT_FALSE(segrt::app::is_image_path("x.npy"));
  EXPECT_FALSE(segrt::app::is_image_path("README"));
}

}  // namespace
