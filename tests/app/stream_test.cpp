// The streaming pipeline (segrt/stream.h) with hand-written "networks", in
// process: masks equal Segmenter's (tiled) and the untiled result, stripes and
// resumes change nothing, empty tiles are skipped and recorded, bad inputs are
// refused by name; with OpenSlide / GDAL built in, the pyramid opens in
// OpenSlide with every level and a GeoTIFF keeps its CRS and geotransform.
// The CLI-level checks (peak RSS at 4096^2 vs 16384^2, kill -9 and resume,
// gdalinfo, a real ONNX net) are in stream_cli.test.sh.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "app/stream/raster_source.h"
#include "segrt/error.h"
#include "segrt/stream.h"
#if SEGRT_HAVE_OPENSLIDE
#include <openslide/openslide.h>
#endif
#if SEGRT_HAVE_GDAL
#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#endif

using namespace segrt;
using namespace segrt::app;
namespace fs = std::filesystem;

namespace {

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

// Box mean over a (2r+1)^2 window (zero padding, like a conv), then a sigmoid:
// translation-equivariant with a receptive field, so tiling matters.
Tensor box_net(const Tensor& x, int r) {
  int64_t n = x.dim(0), h = x.dim(2), w = x.dim(3);
  Tensor y(DType::f32, x.shape());
  const float* in = x.data<float>();
  float* out = y.data<float>();
  for (int64_t b = 0; b < n; ++b) {
    // Summed-area table: the test stays fast at a few megapixels.
    std::vector<double> s(static_cast<size_t>((h + 1) * (w + 1)), 0.0);
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j)
        s[(i + 1) * (w + 1) + j + 1] = in[(b * h + i) * w + j] + s[i * (w + 1) + j + 1] + s[(i + 1) * (w + 1) + j] -
                                       s[i * (w + 1) + j];
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        int64_t i0 = std::max<int64_t>(0, i - r), i1 = std::min(h, i + r + 1);
        int64_t j0 = std::max<int64_t>(0, j - r), j1 = std::min(w, j + r + 1);
        double sum = s[i1 * (w + 1) + j1] - s[i0 * (w + 1) + j1] - s[i1 * (w + 1) + j0] + s[i0 * (w + 1) + j0];
        out[(b * h + i) * w + j] = sigmoid(12.f * (static_cast<float>(sum) / float((2 * r + 1) * (2 * r + 1)) - 0.5f));
      }
  }
  return y;
}

Image noisy_blobs(int64_t w, int64_t h, uint32_t seed) {
  Image img(w, h, 1, 8);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(-0.15f, 0.15f);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      float v = 0.5f + 0.35f * std::sin(0.05f * x) * std::cos(0.037f * y) + noise(rng);
      img.data8[img.index(y, x, 0)] = static_cast<uint8_t>(std::clamp(v, 0.f, 1.f) * 255);
    }
  return img;
}

SegmentConfig gray_config() {
  SegmentConfig cfg;
  ModelInfo m;
  m.input_shape = {-1, 1, -1, -1};
  m.output_op = "Sigmoid";
  m.total_stride = 16;
  resolve_config(cfg, m);
  cfg.tile_size = 256;
  cfg.tile_overlap = 64;
  cfg.batch = 3;
  return cfg;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("segrt_stream_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::vector<uint8_t> read_level(const std::string& path, int level) {
  auto src = stream::open_raster(path);
  const auto& l = src->info().levels.at(level);
  return src->read(level, 0, 0, l.width, l.height).data8;
}

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

double agreement(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  EXPECT_EQ(a.size(), b.size());
  size_t same = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) same += a[i] == b[i];
  return static_cast<double>(same) / static_cast<double>(std::max<size_t>(1, a.size()));
}

StreamOptions small_options() {
  StreamOptions o;
  o.out_tile = 128;
  o.stripe_width = 384;  // several stripes over a ~1000-px image
  return o;
}

TEST(Stream, MaskEqualsSegmenterTiledAndUntiled) {
  TempDir dir;
  Image img = noisy_blobs(1001, 757, 3);  // odd sizes: padding and partial tiles everywhere
  write_image(dir / "in.tif", img);
  SegmentConfig cfg = gray_config();
  Runner net = [](const Tensor& x) { return box_net(x, 5); };
  StreamStats s = segment_stream(cfg, net, dir / "in.tif", dir / "mask.tif", small_options());
  EXPECT_TRUE(s.finished);
  EXPECT_EQ(s.width, 1001);
  EXPECT_EQ(s.height, 757);
  EXPECT_FALSE(fs::exists(dir / "mask.tif.segrt-partial")) << "the spool is removed after a finished run";
  std::vector<uint8_t> streamed = read_level(dir / "mask.tif", 0);

  SegmentConfig tiled = cfg;
  tiled.force_tiling = true;
  Segmenter seg_tiled(tiled, net);
  EXPECT_GE(agreement(streamed, seg_tiled.segment(img, false).mask), 0.99999);
  SegmentConfig whole = cfg;
  whole.max_pixels = 0;
  Segmenter seg_whole(whole, net);
  EXPECT_GE(agreement(streamed, seg_whole.segment(img, false).mask), 0.999);

  // Stripes change nothing: one stripe of the whole width gives the same pixels.
  StreamOptions one = small_options();
  one.stripe_width = 0;
  segment_stream(cfg, net, dir / "in.tif", dir / "mask1.tif", one);
  EXPECT_EQ(read_level(dir / "mask1.tif", 0), streamed);
  // Reduced levels: every other row and column of the level above.
  auto src = stream::open_raster(dir / "mask.tif");
  ASSERT_EQ(src->info().levels.size(), 4u);  // 1001x757 -> 501x379 -> 251x190 -> 126x95 (fits a 128 tile)
  std::vector<uint8_t> l1 = read_level(dir / "mask.tif", 1);
  EXPECT_EQ(src->info().levels[1].width, 501);
  for (int64_t y = 0; y < 379; y += 7)
    for (int64_t x = 0; x < 501; x += 5) ASSERT_EQ(l1[y * 501 + x], streamed[(2 * y) * 1001 + 2 * x]);
}

TEST(Stream, StoppedRunResumesToByteIdenticalOutput) {
  TempDir dir;
  write_image(dir / "in.tif", noisy_blobs(900, 1100, 4));
  SegmentConfig cfg = gray_config();
  Runner net = [](const Tensor& x) { return box_net(x, 4); };
  StreamOptions o = small_options();
  segment_stream(cfg, net, dir / "in.tif", dir / "ref.tif", o);

  std::vector<std::string> log;
  o.log = [&](const std::string& m) { log.push_back(m); };
  for (int64_t stop : {1, 3, 7}) {  // inside the first stripe, across a stripe border
    log.clear();
    o.stop_after_rows = stop;
    StreamStats a = segment_stream(cfg, net, dir / "in.tif", dir / "out.tif", o);
    EXPECT_FALSE(a.finished);
    EXPECT_FALSE(fs::exists(dir / "out.tif"));
    EXPECT_TRUE(fs::exists(dir / "out.tif.segrt-partial/checkpoint"));
    o.stop_after_rows = 0;
    StreamStats b = segment_stream(cfg, net, dir / "in.tif", dir / "out.tif", o);
    EXPECT_TRUE(b.finished);
    EXPECT_EQ(b.resumed_from_row, stop);
    ASSERT_FALSE(log.empty());
    EXPECT_NE(log[0].find("resuming"), std::string::npos) << log[0];
    EXPECT_TRUE(file_bytes(dir / "out.tif") == file_bytes(dir / "ref.tif")) << "stopped after " << stop << " rows";
    fs::remove(dir / "out.tif");
  }
  // A checkpoint of other settings is not resumed.
  o.stop_after_rows = 2;
  segment_stream(cfg, net, dir / "in.tif", dir / "out.tif", o);
  o.stop_after_rows = 0;
  SegmentConfig other = cfg;
  other.threshold = 0.4;
  StreamStats c = segment_stream(other, net, dir / "in.tif", dir / "out.tif", o);
  EXPECT_EQ(c.resumed_from_row, 0);
}

TEST(Stream, EmptyTilesAreSkippedAndRecorded) {
  TempDir dir;
  Image img = noisy_blobs(1024, 600, 5);
  for (int64_t y = 0; y < 600; ++y)
    for (int64_t x = 600; x < 1024; ++x) img.data8[img.index(y, x, 0)] = 250;  // "glass"
  write_image(dir / "in.tif", img);
  int runs = 0;
  Runner net = [&](const Tensor& x) {
    ++runs;
    return box_net(x, 3);
  };
  StreamOptions o = small_options();
  o.background = 230;
  StreamStats s = segment_stream(gray_config(), net, dir / "in.tif", dir / "mask.tif", o);
  EXPECT_GT(s.skipped_tiles, 0);
  EXPECT_LT(s.skipped_tiles, s.tiles);
  std::vector<uint8_t> m = read_level(dir / "mask.tif", 0);
  for (int64_t y = 0; y < 600; y += 3)
    for (int64_t x = 850; x < 1024; x += 3) ASSERT_EQ(m[y * 1024 + x], 0) << y << "," << x;
  // The metadata (ImageDescription) says what was skipped.
  std::string bytes = file_bytes(dir / "mask.tif");
  EXPECT_NE(bytes.find("\"skipped_tiles\":" + std::to_string(s.skipped_tiles)), std::string::npos);
}

TEST(Stream, ReadsTheLevelTheSidecarOrOptionsAsk) {
  TempDir dir;
  write_image(dir / "in.tif", noisy_blobs(1000, 800, 9));
  Runner net = [](const Tensor& x) { return box_net(x, 2); };
  // A streamed mask is a pyramidal TIFF: read it back as an input, at level 1.
  segment_stream(gray_config(), net, dir / "in.tif", dir / "pyr.tif", small_options());
  RasterInfo info = probe_raster(dir / "pyr.tif");
  EXPECT_EQ(info.reader, "tiff");
  ASSERT_GE(info.levels.size(), 3u);
  EXPECT_DOUBLE_EQ(info.levels[1].downsample, 2.0);
  SegmentConfig cfg = gray_config();
  cfg.level = 1;  // as a sidecar's "input": {"level": 1}
  StreamStats s = segment_stream(cfg, net, dir / "pyr.tif", dir / "l1.tif", small_options());
  EXPECT_EQ(s.level, 1);
  EXPECT_EQ(s.width, 500);
  EXPECT_EQ(s.height, 400);
  StreamOptions o = small_options();
  o.level = 2;  // options override the sidecar
  EXPECT_EQ(segment_stream(cfg, net, dir / "pyr.tif", dir / "l2.tif", o).width, 250);
}

TEST(Stream, BadInputsAreRefusedByName) {
  TempDir dir;
  std::ofstream(dir / "junk.tif") << "II*\0garbage";
  Runner net = [](const Tensor& x) { return box_net(x, 1); };
  try {
    segment_stream(gray_config(), net, dir / "junk.tif", dir / "m.tif", StreamOptions());
    FAIL() << "a corrupt TIFF was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.tif"), std::string::npos) << e.what();
  }
  EXPECT_THROW(segment_stream(gray_config(), net, dir / "missing.tif", dir / "m.tif", StreamOptions()), Error);
  write_image(dir / "in.tif", noisy_blobs(300, 200, 6));
  StreamOptions o;
  o.stripe_width = 300;  // not a multiple of the output tile
  EXPECT_THROW(segment_stream(gray_config(), net, dir / "in.tif", dir / "m.tif", o), Error);
  o = StreamOptions();
  o.level = 3;
  EXPECT_THROW(segment_stream(gray_config(), net, dir / "in.tif", dir / "m.tif", o), Error);
}

TEST(Stream, PyramidOpensInOpenSlideWithEveryLevel) {
#if !SEGRT_HAVE_OPENSLIDE
  GTEST_SKIP() << "built without OpenSlide (libopenslide-dev)";
#else
  TempDir dir;
  write_image(dir / "in.tif", noisy_blobs(1500, 1300, 7));
  Runner net = [](const Tensor& x) { return box_net(x, 2); };
  StreamStats s = segment_stream(gray_config(), net, dir / "in.tif", dir / "mask.tif", small_options());
  openslide_t* osr = openslide_open((dir / "mask.tif").c_str());
  ASSERT_NE(osr, nullptr);
  ASSERT_EQ(openslide_get_error(osr), nullptr);
  ASSERT_EQ(openslide_get_level_count(osr), s.output_levels);
  int64_t w = 1500, h = 1300;
  for (int l = 0; l < s.output_levels; ++l) {
    int64_t lw = 0, lh = 0;
    openslide_get_level_dimensions(osr, l, &lw, &lh);
    EXPECT_EQ(lw, w) << "level " << l;
    EXPECT_EQ(lh, h) << "level " << l;
    std::vector<uint32_t> px(static_cast<size_t>(lw * lh));
    openslide_read_region(osr, px.data(), 0, 0, l, lw, lh);
    ASSERT_EQ(openslide_get_error(osr), nullptr) << "level " << l;
    w = (w + 1) / 2, h = (h + 1) / 2;
  }
  openslide_close(osr);
#endif
}

TEST(Stream, GeoTiffKeepsCrsAndGeotransform) {
#if !SEGRT_HAVE_GDAL
  GTEST_SKIP() << "built without GDAL (libgdal-dev)";
#else
  TempDir dir;
  GDALAllRegister();
  std::string in = dir / "geo.tif";
  {
    char** opts = nullptr;
    opts = CSLSetNameValue(opts, "TILED", "YES");
    GDALDatasetH d = GDALCreate(GDALGetDriverByName("GTiff"), in.c_str(), 700, 500, 1, GDT_Byte, opts);
    CSLDestroy(opts);
    ASSERT_NE(d, nullptr);
    Image img = noisy_blobs(700, 500, 8);
    for (int64_t y = 0; y < 500; ++y)
      for (int64_t x = 0; x < 300; ++x) img.data8[img.index(y, x, 0)] = 0;  // no-data: the first tile column
    ASSERT_EQ(GDALRasterIO(GDALGetRasterBand(d, 1), GF_Write, 0, 0, 700, 500, img.data8.data(), 700, 500, GDT_Byte, 0, 0),
              CE_None);
    GDALSetRasterNoDataValue(GDALGetRasterBand(d, 1), 0);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(srs, 32633);
    char* wkt = nullptr;
    OSRExportToWkt(srs, &wkt);
    GDALSetProjection(d, wkt);
    CPLFree(wkt);
    OSRDestroySpatialReference(srs);
    double gt[6] = {500000, 0.5, 0, 5000000, 0, -0.5};
    GDALSetGeoTransform(d, gt);
    GDALClose(d);
  }
  RasterInfo info = probe_raster(in);
  EXPECT_EQ(info.reader, "gdal");
  EXPECT_TRUE(info.georeferenced);
  Runner net = [](const Tensor& x) { return box_net(x, 2); };
  StreamOptions o = small_options();
  StreamStats s = segment_stream(gray_config(), net, in, dir / "mask.tif", o);
  EXPECT_TRUE(s.georeferenced_output);
  EXPECT_GT(s.skipped_tiles, 0) << "the no-data strip";
  GDALDatasetH out = GDALOpen((dir / "mask.tif").c_str(), GA_ReadOnly);
  ASSERT_NE(out, nullptr);
  double gt[6];
  ASSERT_EQ(GDALGetGeoTransform(out, gt), CE_None);
  EXPECT_DOUBLE_EQ(gt[0], 500000);
  EXPECT_DOUBLE_EQ(gt[1], 0.5);
  EXPECT_DOUBLE_EQ(gt[3], 5000000);
  EXPECT_DOUBLE_EQ(gt[5], -0.5);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(GDALGetProjectionRef(out));
  ASSERT_NE(srs, nullptr);
  EXPECT_STREQ(OSRGetAuthorityCode(srs, nullptr), "32633");
  OSRDestroySpatialReference(srs);
  EXPECT_GE(GDALGetOverviewCount(GDALGetRasterBand(out, 1)), 2) << "the pyramid's levels are GDAL overviews";
  GDALClose(out);
#endif
}

}  // namespace
