// segrt's segmentation pipeline, public: images in, class masks out, for any
// image size (pad/crop to the stride, resize for fixed-size models, tiling
// with blended overlaps, batching, class maps). Needs the app part of the
// library (segrt::build_parts() contains "app").
//
//   segrt::Engine engine = segrt::Engine::load("unet.onnx");
//   segrt::app::SegmentConfig cfg;                          // defaults, or a sidecar:
//   // segrt::app::apply_sidecar(cfg, segrt::app::read_text_file("unet.segrt.json"), "unet.segrt.json");
//   segrt::app::resolve_config(cfg, segrt::app::describe_model(engine, ""));
//   segrt::app::Segmenter seg(cfg, [&](const segrt::Tensor& x) { return engine.run({x})[0]; });
//   segrt::app::SegmentResult r = seg.segment(segrt::app::read_image("a.png"), false);
//   segrt::app::write_image("a_mask.png", segrt::app::mask_image(r));
//
// How images become inputs and outputs become masks (SegmentConfig): filled from
// defaults, then the model's sidecar MODEL.segrt.json, then the caller's
// changes, then resolved against the model itself (channels, layout, stride,
// fixed size, head type). See docs/segment.md for the sidecar format.
//
// Segmenter: the model is any function from an input batch to the output
// batch, so tests can use a hand-written "network". Large images go through
// tiles in row bands (memory grows with the image width and tile size, not
// the image area), and several images or tiles share one model run.
#pragma once
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "segrt/image.h"
#include "segrt/tensor.h"

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt::app {

enum class SizePolicy { Auto, Pad, Resize };        // Auto: Resize for fixed-size models, else Pad
enum class PadMode { Reflect, Edge, Zero };
enum class Head { Auto, Sigmoid, Softmax, Logits };  // what the output holds
enum class ChannelOrder { Auto, Gray, RGB, BGR };

struct ClassInfo {
  std::string name;
  std::optional<std::array<uint8_t, 3>> color;  // none: not drawn in the overlay
  std::optional<int> label_value;                // pixel value of this class in label images
};

// What segrt knows about the model without running it.
struct ModelInfo {
  std::string input_name, output_name;
  Shape input_shape;          // -1 = dynamic
  Layout input_layout = Layout::Plain;
  Shape output_shape;
  int output_index = 0;       // position among the model's outputs
  std::string output_op;      // op producing the output ("Sigmoid", "Softmax", ...)
  int total_stride = 1;       // largest downsampling factor along any path
};

struct SegmentConfig {
  std::string output_name;        // which model output holds the class map ("" = the first)
  // Input.
  std::string input_name;         // checked against the model's input when set
  Layout layout = Layout::Plain;  // Plain: from the model (NHWC when its last dim looks like channels)
  int channels = 0;               // 0: from the model
  ChannelOrder channel_order = ChannelOrder::Auto;
  bool to_gray = false;           // allow colour images into a 1-channel model (luminance)
  double scale = 1.0 / 255.0;     // applied to 8-bit-equivalent pixel values (16-bit / 257)
  std::vector<double> mean{0.0};  // per channel, or one for all
  std::vector<double> std{1.0};
  SizePolicy size_policy = SizePolicy::Auto;
  int multiple_of = 0;            // 0: the model's total stride
  int64_t fixed_height = 0, fixed_width = 0;  // model input size for Resize (from the model)
  PadMode pad_mode = PadMode::Reflect;
  // Pyramidal inputs streamed by segment_stream (segrt/stream.h): the level
  // to read, or the microns per pixel the model expects (the nearest level
  // wins; whole-slide images that state their mpp). StreamOptions override.
  double mpp = 0;
  int level = 0;
  // Output.
  Head head = Head::Auto;
  double threshold = 0.5;         // sigmoid heads: class 1 where P > threshold
  std::vector<ClassInfo> classes;
  double overlay_alpha = 0.5;
  // Tiling: images above max_pixels (or all, with force_tiling) run as
  // overlapping tiles of tile_size, blended, so memory does not grow with the image.
  int tile_size = 512;
  int tile_overlap = 128;
  int64_t max_pixels = 1024 * 1024;
  bool force_tiling = false;
  int batch = 4;                  // images or tiles per model run (1 for fixed-batch models)
  bool batch_dynamic = true;      // resolved: the model accepts any batch size
};

std::string to_string(SizePolicy p);
std::string to_string(PadMode p);
std::string to_string(Head h);
std::string to_string(ChannelOrder c);
// Parsers for flag and sidecar values; throw InvalidInput listing the choices.
SizePolicy parse_size_policy(const std::string& s);
PadMode parse_pad_mode(const std::string& s);
Head parse_head(const std::string& s);
ChannelOrder parse_channel_order(const std::string& s);
Layout parse_layout(const std::string& s);

// The sidecar beside a model: "dir/unet.onnx" -> "dir/unet.segrt.json" (or
// "dir/unet.onnx.segrt.json"); "" when neither exists.
std::string find_sidecar(const std::string& model_path);
// Applies a sidecar's JSON text to cfg. Unknown keys are errors (a typo
// should not be silently ignored); `what` names the file in messages.
void apply_sidecar(SegmentConfig& cfg, const std::string& json_text, const std::string& what);
std::string read_text_file(const std::string& path);

// Fills what the config leaves open from the model and checks consistency
// (mean/std per channel, head against output channels, sizes). Throws InvalidInput.
void resolve_config(SegmentConfig& cfg, const ModelInfo& model);

// Completes the class list once the output's channel count is known: a
// 1-channel output encodes 2 classes (P(class 1)), C channels encode C.
// Missing names become "class<i>", missing colours come from a palette
// (class 0 stays undrawn). Throws InvalidInput when the sidecar lists a different count.
void complete_classes(SegmentConfig& cfg, int output_channels);

}  // namespace segrt::app

namespace segrt {
class Engine;
}

namespace segrt::app {

// The model's input/output declarations, the op producing `output_name` (or
// the first output) and the largest downsampling factor along any path.
ModelInfo describe_model(Engine& engine, const std::string& output_name);

}  // namespace segrt::app

namespace segrt::app {

// One model run: a batch in the model's layout -> the chosen output for that batch.
using Runner = std::function<Tensor(const Tensor& batch)>;

struct SegmentResult {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> mask;  // class id per pixel, row-major
  Tensor probs;               // [C,H,W] float32 class probabilities, when asked for
  int tiles = 1;              // model inputs this image took (1 untiled)
};

class Segmenter {
 public:
  // cfg must be resolved (resolve_config); classes are completed on the first run.
  Segmenter(SegmentConfig cfg, Runner run);
  const SegmentConfig& config() const { return cfg_; }

  // Throws InvalidInput when the image's channels cannot feed the model.
  void check_image(const Image& img) const;
  // Whether the image goes through tiles (above max_pixels, or force_tiling).
  bool is_tiled(const Image& img) const;

  SegmentResult segment(const Image& img, bool keep_probs);
  // Same results as one call per image; images of equal padded size share model runs.
  std::vector<SegmentResult> segment(const std::vector<const Image*>& images, bool keep_probs);

 private:
  struct ProbMap;
  struct Accumulator;
  void fill_input(Tensor& batch, int64_t n, const Image& img, const std::vector<int>& map, int64_t y0, int64_t x0) const;
  void fill_resized(Tensor& batch, int64_t n, const Image& img, const std::vector<int>& map) const;
  ProbMap probabilities(const Tensor& out, int64_t n, int64_t th, int64_t tw);
  Tensor run_batch(const Tensor& batch);
  Tensor make_batch(int64_t count, int64_t th, int64_t tw) const;
  void segment_tiled(const Image& img, SegmentResult& r, bool keep_probs);
  void finalize_pixel(SegmentResult& r, int64_t y, int64_t x, const float* p, int64_t c) const;

  SegmentConfig cfg_;
  Runner run_;
  int out_channels_ = 0;          // known after the first run
};

// Mask as an 8-bit gray image of class ids.
Image mask_image(const SegmentResult& r);
// The image (as 8-bit RGB) with each coloured class blended in at cfg.overlay_alpha.
Image make_overlay(const Image& img, const std::vector<uint8_t>& mask, const SegmentConfig& cfg);

// Agreement with a label image: pixel accuracy and per-class Dice. Label
// pixels map to classes through ClassInfo::label_value (nearest value wins),
// or are class ids themselves when no class declares one.
struct Score {
  double accuracy = 0;
  std::vector<double> dice;  // per class; 1 when a class is absent from both
};
Score score_mask(const std::vector<uint8_t>& mask, const Image& label, const SegmentConfig& cfg);

}  // namespace segrt::app

#pragma GCC visibility pop
