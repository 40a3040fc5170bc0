// How images become model inputs and model outputs become masks: filled from
// defaults, then the model's sidecar MODEL.segrt.json, then command-line
// flags, then resolved against the model itself (channels, layout, stride,
// fixed size, head type). See docs/segment.md for the sidecar format.
//
//   SegmentConfig cfg;
//   std::string sidecar = find_sidecar("unet.onnx");       // "unet.onnx.segrt.json" or ""
//   if (!sidecar.empty()) apply_sidecar(cfg, read_text_file(sidecar), sidecar);
//   cfg.threshold = 0.4;                                   // a flag overrides
//   resolve_config(cfg, describe_model(engine, ""));       // fill the rest from the model (first output)
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "segrt/tensor.h"

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
