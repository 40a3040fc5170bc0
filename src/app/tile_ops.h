// Per-tile pre- and post-processing shared by the in-memory Segmenter and the
// streaming pipeline (app/stream/): which image channel feeds which model
// channel, normalising a window of pixels into one batch item, and turning one
// output item into class probabilities. One formula, two callers.
#pragma once
#include <cstdint>
#include <vector>

#include "segrt/image.h"
#include "segrt/segment.h"
#include "segrt/tensor.h"

namespace segrt::app {

// Model channel k reads image channel map[k]; -1 means the luminance of R, G, B.
// Throws InvalidInput when the image's channels cannot feed the model.
std::vector<int> channel_map(const SegmentConfig& cfg, const Image& img);

// Writes item n of the batch (the model's layout, its H x W = rows x cols):
// pixel (i, j) is source pixel (rows[i], cols[j]) of `src`, or zero where
// either is -1 (zero padding), normalised as x = (pixel8 * scale - mean) / std.
void fill_window(const SegmentConfig& cfg, Tensor& batch, int64_t n, const Image& src, const std::vector<int>& map,
                 const std::vector<int64_t>& rows, const std::vector<int64_t>& cols);

// Class probabilities of one output item as planes [c][h][w].
struct TileProbs {
  int64_t c = 0, h = 0, w = 0;
  std::vector<float> v;
  const float* plane(int64_t k) const { return v.data() + k * h * w; }
};

// Item n of a model output -> probabilities: layout resolved, the head applied
// (logits -> sigmoid / softmax), upsampled (bilinear) to th x tw when the
// output is smaller (th = 0: left at the output's size). Throws InvalidInput
// for outputs that are not class maps.
TileProbs output_probs(const SegmentConfig& cfg, const Tensor& out, int64_t n, int64_t th, int64_t tw);

// Class of one pixel from its probabilities: threshold for one channel, argmax otherwise.
inline uint8_t decide_class(const SegmentConfig& cfg, const float* p, int64_t c) {
  if (c == 1) return p[0] > cfg.threshold ? 1 : 0;
  uint8_t cls = 0;
  for (int64_t k = 1; k < c; ++k)
    if (p[k] > p[cls]) cls = static_cast<uint8_t>(k);
  return cls;
}

// Half-pixel-centre bilinear sample of a plane at fractional (sy, sx), clamped at the borders.
float bilinear(const float* plane, int64_t h, int64_t w, double sy, double sx);
// Source coordinate of destination index d when n_src is resized to n_dst (half-pixel centres).
double source_coord(int64_t d, int64_t n_dst, int64_t n_src);

}  // namespace segrt::app
