// Segmenter: pre-processing, model runs (batched), padding/cropping, resizing,
// tiling with blended overlaps, and the per-pixel class decision.
#include "segrt/segment.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "app/tile_ops.h"
#include "app/tiling.h"
#include "segrt/error.h"

namespace segrt::app {


// Class probabilities of one model output item, as planes [c][h][w].
struct Segmenter::ProbMap : TileProbs {};

Segmenter::Segmenter(SegmentConfig cfg, Runner run) : cfg_(std::move(cfg)), run_(std::move(run)) {}

void Segmenter::check_image(const Image& img) const { (void)channel_map(cfg_, img); }

bool Segmenter::is_tiled(const Image& img) const {
  if (cfg_.force_tiling) return true;
  return cfg_.size_policy == SizePolicy::Pad && cfg_.max_pixels > 0 && img.width * img.height > cfg_.max_pixels;
}

Tensor Segmenter::make_batch(int64_t count, int64_t th, int64_t tw) const {
  int64_t n = cfg_.batch_dynamic ? count : cfg_.batch;
  Shape s = cfg_.layout == Layout::NHWC ? Shape{n, th, tw, cfg_.channels} : Shape{n, cfg_.channels, th, tw};
  return Tensor(DType::f32, s, cfg_.layout);
}

// Writes item n of the batch: the padded image's window at (y0, x0), normalised.
void Segmenter::fill_input(Tensor& batch, int64_t n, const Image& img, const std::vector<int>& map, int64_t y0,
                           int64_t x0) const {
  bool nhwc = cfg_.layout == Layout::NHWC;
  int64_t th = batch.dim(nhwc ? 1 : 2), tw = batch.dim(nhwc ? 2 : 3);
  std::vector<int64_t> rows(static_cast<size_t>(th)), cols(static_cast<size_t>(tw));
  for (int64_t i = 0; i < th; ++i) rows[i] = pad_index(y0 + i, img.height, cfg_.pad_mode);
  for (int64_t j = 0; j < tw; ++j) cols[j] = pad_index(x0 + j, img.width, cfg_.pad_mode);
  fill_window(cfg_, batch, n, img, map, rows, cols);
}

// Writes item n of the batch: the whole image resized (bilinear) to the model's fixed size.
void Segmenter::fill_resized(Tensor& batch, int64_t n, const Image& img, const std::vector<int>& map) const {
  bool nhwc = cfg_.layout == Layout::NHWC;
  int64_t th = batch.dim(nhwc ? 1 : 2), tw = batch.dim(nhwc ? 2 : 3);
  // Resize a float copy of the image's channels, then normalise through a 1:1 fill.
  Image tmp(tw, th, img.channels, 16);
  std::vector<float> plane(static_cast<size_t>(img.width * img.height));
  for (int c = 0; c < img.channels; ++c) {
    for (int64_t y = 0; y < img.height; ++y)
      for (int64_t x = 0; x < img.width; ++x) plane[y * img.width + x] = img.sample(y, x, c);
    for (int64_t i = 0; i < th; ++i)
      for (int64_t j = 0; j < tw; ++j) {
        float v = bilinear(plane.data(), img.height, img.width, source_coord(i, th, img.height), source_coord(j, tw, img.width));
        // Stored as 16-bit: 8-bit sources scaled by 257 so nothing is lost to rounding.
        float v16 = img.bits == 16 ? v : v * 257.f;
        tmp.data16[tmp.index(i, j, c)] = static_cast<uint16_t>(std::lround(std::clamp(v16, 0.f, 65535.f)));
      }
  }
  fill_input(batch, n, tmp, map, 0, 0);
}

Tensor Segmenter::run_batch(const Tensor& batch) {
  Tensor out = run_(batch);
  if (out.dtype() != DType::f32) out = out.to_f32();
  SEGRT_CHECK(out.rank() >= 3 && out.dim(0) == batch.dim(0), InvalidInput, "the model's output ", shape_str(out.shape()),
              " does not look like a batch of class maps for input ", shape_str(batch.shape()));
  return out;
}

Segmenter::ProbMap Segmenter::probabilities(const Tensor& out, int64_t n, int64_t th, int64_t tw) {
  ProbMap m{output_probs(cfg_, out, n, th, tw)};
  if (out_channels_ == 0) {
    complete_classes(cfg_, static_cast<int>(m.c));
    out_channels_ = static_cast<int>(m.c);
  }
  SEGRT_CHECK(m.c == out_channels_, InvalidInput, "the model's output channel count changed from ", out_channels_, " to ", m.c);
  return m;
}

void Segmenter::finalize_pixel(SegmentResult& r, int64_t y, int64_t x, const float* p, int64_t c) const {
  uint8_t cls = decide_class(cfg_, p, c);
  r.mask[y * r.width + x] = cls;
  if (!r.probs.empty()) {
    float* dst = r.probs.data<float>();
    for (int64_t k = 0; k < c; ++k) dst[(k * r.height + y) * r.width + x] = p[k];
  }
}

// Blended tiles, one row of tiles at a time. The accumulator holds one tile
// height of full-width rows; rows above the next tile row are final and are
// decided and dropped before that row runs.
void Segmenter::segment_tiled(const Image& img, SegmentResult& r, bool keep_probs) {
  std::vector<int> map = channel_map(cfg_, img);
  int64_t s = cfg_.multiple_of, T = cfg_.tile_size;
  bool fixed = cfg_.fixed_height > 0;
  int64_t Hp = round_up(img.height, s), Wp = round_up(img.width, s);
  if (fixed) Hp = std::max(Hp, T), Wp = std::max(Wp, T);
  int64_t th = std::min(T, Hp), tw = std::min(T, Wp);
  std::vector<int64_t> ys = tile_starts(Hp, th, cfg_.tile_overlap, s), xs = tile_starts(Wp, tw, cfg_.tile_overlap, s);
  r.tiles = static_cast<int>(ys.size() * xs.size());

  std::vector<float> acc, wsum(static_cast<size_t>(th * Wp), 0.f);
  int64_t C = 0, base = 0;
  std::vector<float> p;
  auto flush = [&](int64_t end) {  // decide rows [base, end) and shift the band up
    int64_t d = std::min(end, base + th) - base;
    for (int64_t i = 0; i < d; ++i) {
      int64_t y = base + i;
      if (y >= img.height) continue;
      for (int64_t x = 0; x < img.width; ++x) {
        float w = wsum[i * Wp + x];
        for (int64_t k = 0; k < C; ++k) p[k] = acc[(k * th + i) * Wp + x] / w;
        finalize_pixel(r, y, x, p.data(), C);
      }
    }
    for (int64_t k = 0; k <= C; ++k) {  // k == C: the weights
      float* plane = k < C ? &acc[k * th * Wp] : wsum.data();
      std::memmove(plane, plane + d * Wp, static_cast<size_t>((th - d) * Wp) * sizeof(float));
      std::fill(plane + (th - d) * Wp, plane + th * Wp, 0.f);
    }
    base += d;
  };
  std::vector<float> wy(th), wx(tw);
  for (int64_t y0 : ys) {
    if (y0 > base) flush(y0);
    for (int64_t i = 0; i < th; ++i) wy[i] = blend_weight(i, th, cfg_.tile_overlap, y0 > 0, y0 + th < Hp);
    for (size_t first = 0; first < xs.size(); first += cfg_.batch) {
      size_t count = std::min(xs.size() - first, static_cast<size_t>(cfg_.batch));
      Tensor batch = make_batch(static_cast<int64_t>(count), th, tw);
      for (size_t j = 0; j < count; ++j) fill_input(batch, static_cast<int64_t>(j), img, map, y0, xs[first + j]);
      Tensor out = run_batch(batch);
      for (size_t j = 0; j < count; ++j) {
        ProbMap m = probabilities(out, static_cast<int64_t>(j), th, tw);
        if (acc.empty()) {
          C = m.c;
          acc.assign(static_cast<size_t>(C * th * Wp), 0.f);
          p.resize(static_cast<size_t>(C));
          if (keep_probs) r.probs = Tensor(DType::f32, {C, img.height, img.width});
        }
        int64_t x0 = xs[first + j];
        for (int64_t i = 0; i < tw; ++i) wx[i] = blend_weight(i, tw, cfg_.tile_overlap, x0 > 0, x0 + tw < Wp);
        for (int64_t i = 0; i < th; ++i)
          for (int64_t jj = 0; jj < tw; ++jj) {
            float w = wy[i] * wx[jj];
            wsum[i * Wp + x0 + jj] += w;
            for (int64_t k = 0; k < C; ++k) acc[(k * th + i) * Wp + x0 + jj] += w * m.v[(k * th + i) * tw + jj];
          }
      }
    }
  }
  flush(base + th);
}

SegmentResult Segmenter::segment(const Image& img, bool keep_probs) {
  return std::move(segment(std::vector<const Image*>{&img}, keep_probs)[0]);
}

std::vector<SegmentResult> Segmenter::segment(const std::vector<const Image*>& images, bool keep_probs) {
  std::vector<SegmentResult> results(images.size());
  bool resize = cfg_.size_policy == SizePolicy::Resize;
  // Untiled images of equal model-input size share runs: key = that size.
  std::map<std::pair<int64_t, int64_t>, std::vector<size_t>> groups;
  std::vector<std::vector<int>> maps(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    const Image& img = *images[i];
    maps[i] = channel_map(cfg_, img);
    SegmentResult& r = results[i];
    r.width = img.width;
    r.height = img.height;
    r.mask.assign(static_cast<size_t>(img.width * img.height), 0);
    if (is_tiled(img)) {
      segment_tiled(img, r, keep_probs);
      continue;
    }
    int64_t s = cfg_.multiple_of;
    if (resize) groups[{cfg_.fixed_height, cfg_.fixed_width}].push_back(i);
    else groups[{round_up(img.height, s), round_up(img.width, s)}].push_back(i);
  }
  for (const auto& [size, members] : groups) {
    auto [th, tw] = size;
    for (size_t first = 0; first < members.size(); first += cfg_.batch) {
      size_t count = std::min(members.size() - first, static_cast<size_t>(cfg_.batch));
      Tensor batch = make_batch(static_cast<int64_t>(count), th, tw);
      for (size_t j = 0; j < count; ++j) {
        const Image& img = *images[members[first + j]];
        const std::vector<int>& map = maps[members[first + j]];
        if (resize) fill_resized(batch, static_cast<int64_t>(j), img, map);
        else fill_input(batch, static_cast<int64_t>(j), img, map, 0, 0);
      }
      Tensor out = run_batch(batch);
      for (size_t j = 0; j < count; ++j) {
        SegmentResult& r = results[members[first + j]];
        // Padded runs are cropped back (probabilities at the padded size);
        // resized runs are sampled back to the image size.
        ProbMap m = probabilities(out, static_cast<int64_t>(j), resize ? 0 : th, resize ? 0 : tw);
        if (keep_probs) r.probs = Tensor(DType::f32, {m.c, r.height, r.width});
        std::vector<float> p(static_cast<size_t>(m.c));
        for (int64_t y = 0; y < r.height; ++y)
          for (int64_t x = 0; x < r.width; ++x) {
            for (int64_t k = 0; k < m.c; ++k)
              p[k] = resize ? bilinear(m.plane(k), m.h, m.w, source_coord(y, r.height, m.h), source_coord(x, r.width, m.w))
                            : m.plane(k)[y * m.w + x];
            finalize_pixel(r, y, x, p.data(), m.c);
          }
      }
    }
  }
  return results;
}

}  // namespace segrt::app
