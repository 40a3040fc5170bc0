// Segmenter: images in, class masks (and optionally class probabilities) out,
// for any image size. It turns pixels into model inputs (channel mapping,
// scale, mean/std, layout), pads to the stride and crops back, resizes for
// fixed-size models, tiles large images with blended overlaps in row bands
// (memory grows with the image width and tile size, not the image area), and
// batches several images or tiles into one model run. The model is any
// function from an input batch to the output batch, so tests can use a
// hand-written "network".
//
//   Segmenter seg(cfg, [&](const Tensor& x) { return engine.run({x})[0]; });
//   SegmentResult r = seg.segment(read_image("a.png"), /*keep_probs=*/false);
//   write_image("a_mask.png", mask_image(r));
#pragma once
#include <functional>
#include <vector>

#include "app/image.h"
#include "app/segment_config.h"
#include "segrt/tensor.h"

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
