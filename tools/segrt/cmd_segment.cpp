// segrt segment MODEL INPUT... [-o OUTDIR]: images or folders in, per image a
// class-id mask PNG, a colour overlay PNG and (--probs) class probabilities
// as .npy. Pre/post-processing comes from MODEL.segrt.json beside the model,
// then from flags; --label-suffix scores masks against label images.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "segrt/batch.h"
#include "commands.h"
#include "segment_stream.h"

namespace segrt::cli {

namespace {

struct SegmentArgs {
  std::string model;
  std::vector<std::string> inputs;
  app::RunOptions run;
  EngineFlags flags;
  std::string sidecar;
  bool no_sidecar = false;
  // Overrides of the sidecar; unset flags leave it alone.
  std::optional<double> scale, threshold, alpha;
  std::vector<double> mean, std;
  std::string layout, channel_order, size_policy, pad_mode, head, output;
  std::vector<std::string> classes;
  std::optional<int> multiple_of, tile_overlap, batch;
  std::optional<int64_t> max_pixels;
  int tile = 0;
  bool to_gray = false, no_overlay = false;
  std::optional<double> min_accuracy, min_dice;
  StreamFlags stream;
};

app::SegmentConfig build_config(const SegmentArgs& a) {
  app::SegmentConfig cfg;
  std::string side = a.no_sidecar ? "" : (a.sidecar.empty() ? app::find_sidecar(a.model) : a.sidecar);
  if (!side.empty()) app::apply_sidecar(cfg, app::read_text_file(side), side);
  if (a.scale) cfg.scale = *a.scale;
  if (a.threshold) cfg.threshold = *a.threshold;
  if (a.alpha) cfg.overlay_alpha = *a.alpha;
  if (!a.mean.empty()) cfg.mean = a.mean;
  if (!a.std.empty()) cfg.std = a.std;
  if (!a.layout.empty()) cfg.layout = app::parse_layout(a.layout);
  if (!a.channel_order.empty()) cfg.channel_order = app::parse_channel_order(a.channel_order);
  if (!a.size_policy.empty()) cfg.size_policy = app::parse_size_policy(a.size_policy);
  if (!a.pad_mode.empty()) cfg.pad_mode = app::parse_pad_mode(a.pad_mode);
  if (!a.head.empty()) cfg.head = app::parse_head(a.head);
  if (!a.output.empty()) cfg.output_name = a.output;
  if (!a.classes.empty()) {
    cfg.classes.clear();
    for (const auto& n : a.classes) cfg.classes.push_back({n, std::nullopt, std::nullopt});
  }
  if (a.multiple_of) cfg.multiple_of = *a.multiple_of;
  if (a.tile_overlap) cfg.tile_overlap = *a.tile_overlap;
  if (a.batch) cfg.batch = *a.batch;
  if (a.max_pixels) cfg.max_pixels = *a.max_pixels;
  if (a.tile > 0) {
    cfg.tile_size = a.tile;
    cfg.force_tiling = true;
  }
  if (a.to_gray) cfg.to_gray = true;
  return cfg;
}

int segment(SegmentArgs a) {
  app::SegmentConfig cfg = build_config(a);
  Options options = a.flags.options();
  if (options.calibration.empty()) options.calibration = cfg.calibration;  // the sidecar's table, unless --calibration
  Engine engine = Engine::load(a.model, options);
  app::ModelInfo info = app::describe_model(engine, cfg.output_name);
  app::resolve_config(cfg, info);
  int out_index = info.output_index;
  app::Runner runner = [&engine, out_index](const Tensor& x) { return engine.run({x})[out_index]; };
  app::Segmenter seg(cfg, runner);

  a.run.write_overlay = !a.no_overlay;
  a.run.progress = isatty(fileno(stderr)) && !a.run.quiet;
  auto files = app::collect_inputs(a.inputs, a.run);
  SEGRT_CHECK(!files.empty(), InvalidInput, "no images found in the inputs given");
  // Gigapixel, pyramidal, whole-slide and georeferenced inputs are streamed
  // (tiled BigTIFF mask); the rest are decoded whole.
  std::vector<app::InputFile> whole, streamed;
  for (auto& f : files) (wants_stream(a.stream, f.path) ? streamed : whole).push_back(f);
  app::RunSummary s;
  if (!whole.empty()) s = app::segment_files(seg, whole, a.run, std::cout, std::cerr);
  if (!streamed.empty()) {
    if (a.run.write_probs || !a.run.label_suffix.empty())
      std::fprintf(stderr, "segrt: streamed inputs get a tiled class map only (no --probs, no scoring)\n");
    // A checkpoint is resumed only by the same model file, backend and precision.
    std::error_code ec;
    std::string key = std::filesystem::absolute(a.model).string() + "|" +
                      std::to_string(std::filesystem::file_size(a.model, ec)) + "|" + engine.backend() + "|" +
                      a.flags.precision;
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& f : streamed) {
      ++s.images;
      if (!segment_streamed(cfg, runner, a.stream, f.path, f.out_base, key, a.run.progress, a.run.quiet)) ++s.failed;
    }
    s.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  int ok = s.images - s.failed;
  std::printf("%d image%s, %d failed, %.2f s, %.3g images/s (backend %s)\n", s.images, s.images == 1 ? "" : "s",
              s.failed, s.seconds, s.seconds > 0 ? ok / s.seconds : 0.0, engine.backend().c_str());
  // Quality gates (used by scripts/demo.sh): every scored image must reach them.
  bool below = false;
  for (const auto& r : s.reports) {
    if (!r.scored) continue;
    if (a.min_accuracy && r.score.accuracy < *a.min_accuracy) {
      std::fprintf(stderr, "segrt: %s: pixel accuracy %.4f is below %.4f\n", r.path.c_str(), r.score.accuracy, *a.min_accuracy);
      below = true;
    }
    for (size_t k = 1; a.min_dice && k < r.score.dice.size(); ++k)
      if (r.score.dice[k] < *a.min_dice) {
        std::fprintf(stderr, "segrt: %s: Dice of class %s %.4f is below %.4f\n", r.path.c_str(),
                     seg.config().classes[k].name.c_str(), r.score.dice[k], *a.min_dice);
        below = true;
      }
  }
  return s.failed > 0 || below ? 1 : 0;
}

}  // namespace

void add_segment_command(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<SegmentArgs>();
  CLI::App* cmd = app.add_subcommand(
      "segment", "Segment images or folders of images: class-id mask, colour overlay and (--probs) probabilities per image");
  add_model_argument(cmd, a->model);
  cmd->add_option("inputs", a->inputs, "image files (PNG, JPEG, BMP, TIFF) or folders")->required();
  cmd->add_option("-o,--out", a->run.out_dir, "output folder")->capture_default_str();
  cmd->add_flag("--probs", a->run.write_probs, "also write float32 [C,H,W] class probabilities as NAME_probs.npy");
  cmd->add_flag("--no-overlay", a->no_overlay, "do not write the colour overlay");
  cmd->add_option("--label-suffix", a->run.label_suffix,
                  "score each X.png against X<SUFFIX>.png beside it (pixel accuracy, Dice per class)");
  cmd->add_option("--min-accuracy", a->min_accuracy, "fail (exit 1) if a scored image's pixel accuracy is lower");
  cmd->add_option("--min-dice", a->min_dice, "fail (exit 1) if a scored image's Dice of any non-background class is lower");
  cmd->add_flag("--quiet,-q", a->run.quiet, "no per-image lines");
  cmd->add_option("--sidecar", a->sidecar, "pre/post-processing JSON (default: MODEL.segrt.json beside the model)");
  cmd->add_flag("--no-sidecar", a->no_sidecar, "ignore MODEL.segrt.json");
  cmd->add_option("--scale", a->scale, "input = (pixel * scale - mean) / std; pixel in 0..255 (16-bit / 257)");
  cmd->add_option("--mean", a->mean, "per-channel mean (or one value)")->delimiter(',');
  cmd->add_option("--std", a->std, "per-channel std (or one value)")->delimiter(',');
  cmd->add_option("--layout", a->layout, "NCHW | NHWC | auto");
  cmd->add_option("--channel-order", a->channel_order, "gray | rgb | bgr | auto");
  cmd->add_flag("--to-gray", a->to_gray, "feed colour images to a 1-channel model as luminance");
  cmd->add_option("--size-policy", a->size_policy, "pad | resize | auto (resize only for fixed-size models)");
  cmd->add_option("--multiple-of", a->multiple_of, "pad H and W to a multiple of this (default: the model's stride)");
  cmd->add_option("--pad-mode", a->pad_mode, "reflect | edge | zero");
  cmd->add_option("--head", a->head, "sigmoid | softmax | logits | auto (from the model's last op)");
  cmd->add_option("--threshold", a->threshold, "sigmoid heads: class 1 where P > threshold");
  cmd->add_option("--classes", a->classes, "class names, in output order")->delimiter(',');
  cmd->add_option("--output", a->output, "model output to use (default: the first)");
  cmd->add_option("--overlay-alpha", a->alpha, "opacity of class colours in the overlay");
  cmd->add_option("--tile", a->tile, "tile every image with tiles of this size");
  cmd->add_option("--overlap", a->tile_overlap, "tile overlap in pixels");
  cmd->add_option("--tile-above", a->max_pixels, "tile images with more pixels than this (0 = never)");
  cmd->add_option("--batch", a->batch, "images or tiles per model run");
  a->flags.add_to(cmd);
  a->stream.add_to(cmd);
  cmd->callback([a, exit_code] { *exit_code = segment(*a); });
}

}  // namespace segrt::cli
