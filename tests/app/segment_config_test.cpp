// Sidecar JSON and config resolution: the bundled model's sidecar reads as
// documented, typos and bad values are errors, and unset fields are filled
// from the model (layout, channels, stride, fixed size, head).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "segrt/segment.h"
#include "segrt/error.h"

namespace fs = std::filesystem;
using namespace segrt::app;

namespace {

ModelInfo unet_info() {
  ModelInfo m;
  m.input_name = "image";
  m.input_shape = {-1, 1, -1, -1};
  m.output_name = "membrane_prob";
  m.output_shape = {-1, 1, -1, -1};
  m.output_op = "Sigmoid";
  m.total_stride = 16;
  return m;
}

void expect_invalid(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const segrt::Error& e) {
    EXPECT_EQ(e.kind(), segrt::ErrorKind::InvalidInput);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Sidecar, BundledModelSidecar) {
  std::string model = std::string(SEGRT_SOURCE_DIR) + "/models/membrane_unet.onnx";
  std::string side = find_sidecar(model);
  ASSERT_FALSE(side.empty());
  EXPECT_EQ(fs::path(side).filename(), "membrane_unet.segrt.json");
  SegmentConfig cfg;
  apply_sidecar(cfg, read_text_file(side), side);
  EXPECT_EQ(cfg.input_name, "image");
  EXPECT_EQ(cfg.output_name, "membrane_prob");
  EXPECT_EQ(cfg.channels, 1);
  EXPECT_NEAR(cfg.scale, 1.0 / 255, 1e-12);
  EXPECT_EQ(cfg.multiple_of, 16);
  EXPECT_EQ(cfg.size_policy, SizePolicy::Pad);
  EXPECT_EQ(cfg.head, Head::Sigmoid);
  ASSERT_EQ(cfg.classes.size(), 2u);
  EXPECT_EQ(cfg.classes[0].name, "cell");
  EXPECT_FALSE(cfg.classes[0].color.has_value());
  EXPECT_EQ(cfg.classes[0].label_value, 255);
  EXPECT_EQ(cfg.classes[1].name, "membrane");
  EXPECT_EQ(cfg.classes[1].label_value, 0);
  resolve_config(cfg, unet_info());
  EXPECT_EQ(cfg.layout, segrt::Layout::NCHW);
  EXPECT_TRUE(cfg.batch_dynamic);
}

TEST(Sidecar, EveryFieldParses) {
  SegmentConfig cfg;
  apply_sidecar(cfg, R"({
    "input": {"layout": "NHWC", "channels": 3, "channel_order": "bgr", "scale": 1.0, "mean": [123.7, 116.3, 103.5],
              "std": [58.4, 57.1, 57.4], "size_policy": "resize", "multiple_of": 32, "pad_mode": "edge", "to_gray": true},
    "output": {"head": "softmax", "threshold": 0.3},
    "classes": ["sky", {"name": "road", "color": [1, 2, 3]}],
    "overlay": {"alpha": 0.25},
    "tiling": {"tile": 256, "overlap": 32, "max_pixels": 1000, "batch": 2}
  })", "t.json");
  EXPECT_EQ(cfg.layout, segrt::Layout::NHWC);
  EXPECT_EQ(cfg.channel_order, ChannelOrder::BGR);
  EXPECT_EQ(cfg.mean.size(), 3u);
  EXPECT_EQ(cfg.size_policy, SizePolicy::Resize);
  EXPECT_EQ(cfg.pad_mode, PadMode::Edge);
  EXPECT_TRUE(cfg.to_gray);
  EXPECT_EQ(cfg.head, Head::Softmax);
  EXPECT_DOUBLE_EQ(cfg.threshold, 0.3);
  ASSERT_EQ(cfg.classes.size(), 2u);
  EXPECT_EQ(cfg.classes[0].name, "sky");
  EXPECT_EQ((*cfg.classes[1].color)[2], 3);
  EXPECT_DOUBLE_EQ(cfg.overlay_alpha, 0.25);
  EXPECT_EQ(cfg.tile_size, 256);
  EXPECT_EQ(cfg.tile_overlap, 32);
  EXPECT_EQ(cfg.max_pixels, 1000);
  EXPECT_EQ(cfg.batch, 2);
}

TEST(Sidecar, MistakesAreReported) {
  SegmentConfig cfg;
  expect_invalid([&] { apply_sidecar(cfg, R"({"input": {"sclae": 1}})", "t.json"); }, "sclae");
  expect_invalid([&] { apply_sidecar(cfg, R"({"output": {"head": "argmax"}})", "t.json"); }, "argmax");
  expect_invalid([&] { apply_sidecar(cfg, R"({"input": {"scale": "big"}})", "t.json"); }, "t.json");
  expect_invalid([&] { apply_sidecar(cfg, R"({"classes": [{"name": "a", "color": [1, 2]}]})", "t.json"); }, "color");
  expect_invalid([&] { apply_sidecar(cfg, "{ not json", "t.json"); }, "not valid JSON");
}

TEST(Sidecar, FoundBesideTheModel) {
  fs::path d = fs::temp_directory_path() / ("segrt_sidecar_" + std::to_string(::getpid()));
  fs::create_directories(d);
  EXPECT_EQ(find_sidecar((d / "m.onnx").string()), "");
  std::ofstream(d / "m.onnx.segrt.json") << "{}";
  EXPECT_EQ(find_sidecar((d / "m.onnx").string()), (d / "m.onnx.segrt.json").string());
  std::ofstream(d / "m.segrt.json") << "{}";  // the short name wins
  EXPECT_EQ(find_sidecar((d / "m.onnx").string()), (d / "m.segrt.json").string());
  fs::remove_all(d);
}

TEST(ResolveConfig, FillsFromTheModel) {
  SegmentConfig cfg;
  resolve_config(cfg, unet_info());
  EXPECT_EQ(cfg.channels, 1);
  EXPECT_EQ(cfg.channel_order, ChannelOrder::Gray);
  EXPECT_EQ(cfg.multiple_of, 16);
  EXPECT_EQ(cfg.size_policy, SizePolicy::Pad);
  EXPECT_EQ(cfg.head, Head::Sigmoid);

  ModelInfo keras;  // [N,H,W,3] fixed 224, softmax
  keras.input_shape = {-1, 224, 224, 3};
  keras.output_op = "Softmax";
  keras.total_stride = 32;
  SegmentConfig k;
  resolve_config(k, keras);
  EXPECT_EQ(k.layout, segrt::Layout::NHWC);
  EXPECT_EQ(k.channels, 3);
  EXPECT_EQ(k.channel_order, ChannelOrder::RGB);
  EXPECT_EQ(k.size_policy, SizePolicy::Resize);
  EXPECT_EQ(k.fixed_height, 224);
  EXPECT_EQ(k.tile_size, 224);
  EXPECT_EQ(k.head, Head::Softmax);

  ModelInfo logits = unet_info();
  logits.output_op = "Conv";
  SegmentConfig l;
  resolve_config(l, logits);
  EXPECT_EQ(l.head, Head::Logits);
}

TEST(ResolveConfig, InconsistenciesAreReported) {
  SegmentConfig a;
  a.mean = {1, 2};
  expect_invalid([&] { resolve_config(a, unet_info()); }, "mean/std");
  SegmentConfig b;
  b.size_policy = SizePolicy::Resize;
  expect_invalid([&] { resolve_config(b, unet_info()); }, "fixed input size");
  SegmentConfig c;
  c.input_name = "pixels";
  expect_invalid([&] { resolve_config(c, unet_info()); }, "pixels");
  SegmentConfig d;
  d.classes = {{"a", {}, {}}, {"b", {}, {}}, {"c", {}, {}}};
  resolve_config(d, unet_info());
  expect_invalid([&] { complete_classes(d, 1); }, "3 class names");
}

TEST(ResolveConfig, CompletesClasses) {
  SegmentConfig cfg;
  complete_classes(cfg, 1);
  ASSERT_EQ(cfg.classes.size(), 2u);  // one sigmoid channel encodes two classes
  EXPECT_FALSE(cfg.classes[0].color.has_value());
  EXPECT_TRUE(cfg.classes[1].color.has_value());
  SegmentConfig five;
  complete_classes(five, 5);
  EXPECT_EQ(five.classes.size(), 5u);
  EXPECT_EQ(five.classes[4].name, "class4");
}

}  // namespace
