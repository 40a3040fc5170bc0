// Segmenter: pre-processing, model runs (batched), padding/cropping, resizing,
// tiling with blended overlaps, and the per-pixel class decision.
#include "segrt/segment.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "app/tiling.h"
#include "segrt/error.h"

namespace segrt::app {

namespace {

const char* channels_name(int c) {
  static const char* names[] = {"?", "gray", "gray+alpha", "RGB", "RGBA"};
  return c >= 1 && c <= 4 ? names[c] : "?";
}

// Half-pixel-centre bilinear sample of a plane at fractional (sy, sx), clamped at the borders.
float bilinear(const float* plane, int64_t h, int64_t w, double sy, double sx) {
  sy = std::clamp(sy, 0.0, static_cast<double>(h - 1));
  sx = std::clamp(sx, 0.0, static_cast<double>(w - 1));
  int64_t y0 = static_cast<int64_t>(sy), x0 = static_cast<int64_t>(sx);
  int64_t y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
  float fy = static_cast<float>(sy - y0), fx = static_cast<float>(sx - x0);
  float top = plane[y0 * w + x0] * (1 - fx) + plane[y0 * w + x1] * fx;
  float bot = plane[y1 * w + x0] * (1 - fx) + plane[y1 * w + x1] * fx;
  return top * (1 - fy) + bot * fy;
}

// Source coordinate of destination index d when n_src is resized to n_dst (half-pixel centres).
double source_coord(int64_t d, int64_t n_dst, int64_t n_src) {
  return (static_cast<double>(d) + 0.5) * static_cast<double>(n_src) / static_cast<double>(n_dst) - 0.5;
}

bool is_gray_rgb(const Image& img) {
  for (int64_t y = 0; y < img.height; ++y)
    for (int64_t x = 0; x < img.width; ++x) {
      float r = img.sample(y, x, 0);
      if (img.sample(y, x, 1) != r || img.sample(y, x, 2) != r) return false;
    }
  return true;
}

// Model channel k reads image channel map[k]; -1 means the luminance of R, G, B.
std::vector<int> channel_map(const SegmentConfig& cfg, const Image& img) {
  int have = img.color_channels(), want = cfg.channels;
  if (want == 1) {
    if (have == 1) return {0};
    // Gray pictures saved as RGB (R = G = B, common for JPEG) are gray: luminance gives them back exactly.
    if (have == 3 && is_gray_rgb(img)) return {-1};
    SEGRT_CHECK(cfg.to_gray, InvalidInput, "the image has ", img.channels, " channels (", channels_name(img.channels),
                "), the model takes 1 (gray); pass --to-gray to convert it to luminance");
    return {-1};
  }
  if (want == 3 && have == 1) return {0, 0, 0};  // gray to RGB: replicate
  bool bgr = cfg.channel_order == ChannelOrder::BGR;
  if (want == 3 && have == 3) return bgr ? std::vector<int>{2, 1, 0} : std::vector<int>{0, 1, 2};
  if (want == 4 && img.channels == 4) return bgr ? std::vector<int>{2, 1, 0, 3} : std::vector<int>{0, 1, 2, 3};
  SEGRT_FAIL(InvalidInput, "the image has ", img.channels, " channels (", channels_name(img.channels),
             "), the model takes ", want);
}

}  // namespace

// Class probabilities of one model output item, as planes [c][h][w].
struct Segmenter::ProbMap {
  int64_t c = 0, h = 0, w = 0;
  std::vector<float> v;
  const float* plane(int64_t k) const { return v.data() + k * h * w; }
};

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
  int64_t th = batch.dim(nhwc ? 1 : 2), tw = batch.dim(nhwc ? 2 : 3), C = cfg_.channels;
  std::vector<int64_t> cols(static_cast<size_t>(tw));
  for (int64_t j = 0; j < tw; ++j) cols[j] = pad_index(x0 + j, img.width, cfg_.pad_mode);
  // x = (pixel8 * scale - mean) / std, with 16-bit pixels brought to the 8-bit range first.
  float to8 = img.bits == 16 ? 1.f / 257.f : 1.f;
  std::vector<float> a(C), b(C);
  for (int64_t k = 0; k < C; ++k) {
    double mean = cfg_.mean.size() == 1 ? cfg_.mean[0] : cfg_.mean[k];
    double sd = cfg_.std.size() == 1 ? cfg_.std[0] : cfg_.std[k];
    a[k] = static_cast<float>(cfg_.scale / sd) * to8;
    b[k] = static_cast<float>(-mean / sd);
  }
  float* base = batch.data<float>() + n * th * tw * C;
  for (int64_t i = 0; i < th; ++i) {
    int64_t sy = pad_index(y0 + i, img.height, cfg_.pad_mode);
    for (int64_t j = 0; j < tw; ++j) {
      int64_t sx = cols[j];
      for (int64_t k = 0; k < C; ++k) {
        float px = 0.f;
        if (sy >= 0 && sx >= 0) {
          int src = map[k];
          px = src >= 0 ? img.sample(sy, sx, src)
                        : 0.299f * img.sample(sy, sx, 0) + 0.587f * img.sample(sy, sx, 1) + 0.114f * img.sample(sy, sx, 2);
        }
        float v = px * a[k] + b[k];
        if (nhwc) base[(i * tw + j) * C + k] = v;
        else base[(k * th + i) * tw + j] = v;
      }
    }
  }
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
  ProbMap m;
  bool nhwc = cfg_.layout == Layout::NHWC;
  if (out.rank() == 3) m = {1, out.dim(1), out.dim(2), {}};
  else if (out.rank() == 4 && nhwc) m = {out.dim(3), out.dim(1), out.dim(2), {}};
  else if (out.rank() == 4) m = {out.dim(1), out.dim(2), out.dim(3), {}};
  else SEGRT_FAIL(InvalidInput, "the model's output has shape ", shape_str(out.shape()), "; expected [N,C,H,W], [N,H,W,C] or [N,H,W]");
  if (out_channels_ == 0) {
    complete_classes(cfg_, static_cast<int>(m.c));
    out_channels_ = static_cast<int>(m.c);
  }
  SEGRT_CHECK(m.c == out_channels_, InvalidInput, "the model's output channel count changed from ", out_channels_, " to ", m.c);
  int64_t hw = m.h * m.w;
  m.v.resize(static_cast<size_t>(m.c * hw));
  const float* src = out.data<float>() + n * m.c * hw;
  for (int64_t k = 0; k < m.c; ++k)
    for (int64_t p = 0; p < hw; ++p) m.v[k * hw + p] = (out.rank() == 4 && nhwc) ? src[p * m.c + k] : src[k * hw + p];
  if (cfg_.head == Head::Logits && m.c == 1) {
    for (float& v : m.v) v = 1.f / (1.f + std::exp(-v));
  } else if (cfg_.head == Head::Logits) {  // softmax over channels, max-subtracted for range
    for (int64_t p = 0; p < hw; ++p) {
      float mx = -INFINITY, sum = 0.f;
      for (int64_t k = 0; k < m.c; ++k) mx = std::max(mx, m.v[k * hw + p]);
      for (int64_t k = 0; k < m.c; ++k) sum += (m.v[k * hw + p] = std::exp(m.v[k * hw + p] - mx));
      for (int64_t k = 0; k < m.c; ++k) m.v[k * hw + p] /= sum;
    }
  }
  // Outputs at a lower resolution than the input (e.g. stride-8 heads) are upsampled to it.
  if (th > 0 && (m.h != th || m.w != tw)) {
    ProbMap r{m.c, th, tw, std::vector<float>(static_cast<size_t>(m.c * th * tw))};
    for (int64_t k = 0; k < m.c; ++k)
      for (int64_t i = 0; i < th; ++i)
        for (int64_t j = 0; j < tw; ++j)
          r.v[(k * th + i) * tw + j] = bilinear(m.plane(k), m.h, m.w, source_coord(i, th, m.h), source_coord(j, tw, m.w));
    return r;
  }
  return m;
}

void Segmenter::finalize_pixel(SegmentResult& r, int64_t y, int64_t x, const float* p, int64_t c) const {
  uint8_t cls = 0;
  if (c == 1) {
    cls = p[0] > cfg_.threshold ? 1 : 0;
  } else {
    for (int64_t k = 1; k < c; ++k)
      if (p[k] > p[cls]) cls = static_cast<uint8_t>(k);
  }
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
