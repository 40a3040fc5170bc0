// Per-tile pre- and post-processing (see tile_ops.h).
#include "app/tile_ops.h"

#include <algorithm>
#include <cmath>

#include "segrt/error.h"

namespace segrt::app {

namespace {

const char* channels_name(int c) {
  static const char* names[] = {"?", "gray", "gray+alpha", "RGB", "RGBA"};
  return c >= 1 && c <= 4 ? names[c] : "?";
}

bool is_gray_rgb(const Image& img) {
  for (int64_t y = 0; y < img.height; ++y)
    for (int64_t x = 0; x < img.width; ++x) {
      float r = img.sample(y, x, 0);
      if (img.sample(y, x, 1) != r || img.sample(y, x, 2) != r) return false;
    }
  return true;
}

}  // namespace

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

double source_coord(int64_t d, int64_t n_dst, int64_t n_src) {
  return (static_cast<double>(d) + 0.5) * static_cast<double>(n_src) / static_cast<double>(n_dst) - 0.5;
}

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

void fill_window(const SegmentConfig& cfg, Tensor& batch, int64_t n, const Image& src, const std::vector<int>& map,
                 const std::vector<int64_t>& rows, const std::vector<int64_t>& cols) {
  bool nhwc = cfg.layout == Layout::NHWC;
  int64_t th = batch.dim(nhwc ? 1 : 2), tw = batch.dim(nhwc ? 2 : 3), C = cfg.channels;
  SEGRT_CHECK(static_cast<int64_t>(rows.size()) == th && static_cast<int64_t>(cols.size()) == tw, Internal,
              "fill_window: ", rows.size(), "x", cols.size(), " indices for a ", th, "x", tw, " input");
  // x = (pixel8 * scale - mean) / std, with 16-bit pixels brought to the 8-bit range first.
  float to8 = src.bits == 16 ? 1.f / 257.f : 1.f;
  std::vector<float> a(C), b(C);
  for (int64_t k = 0; k < C; ++k) {
    double mean = cfg.mean.size() == 1 ? cfg.mean[0] : cfg.mean[k];
    double sd = cfg.std.size() == 1 ? cfg.std[0] : cfg.std[k];
    a[k] = static_cast<float>(cfg.scale / sd) * to8;
    b[k] = static_cast<float>(-mean / sd);
  }
  float* base = batch.data<float>() + n * th * tw * C;
  for (int64_t i = 0; i < th; ++i) {
    int64_t sy = rows[i];
    for (int64_t j = 0; j < tw; ++j) {
      int64_t sx = cols[j];
      for (int64_t k = 0; k < C; ++k) {
        float px = 0.f;
        if (sy >= 0 && sx >= 0) {
          int s = map[k];
          px = s >= 0 ? src.sample(sy, sx, s)
                      : 0.299f * src.sample(sy, sx, 0) + 0.587f * src.sample(sy, sx, 1) + 0.114f * src.sample(sy, sx, 2);
        }
        float v = px * a[k] + b[k];
        if (nhwc) base[(i * tw + j) * C + k] = v;
        else base[(k * th + i) * tw + j] = v;
      }
    }
  }
}

TileProbs output_probs(const SegmentConfig& cfg, const Tensor& out, int64_t n, int64_t th, int64_t tw) {
  TileProbs m;
  bool nhwc = cfg.layout == Layout::NHWC;
  if (out.rank() == 3) m = {1, out.dim(1), out.dim(2), {}};
  else if (out.rank() == 4 && nhwc) m = {out.dim(3), out.dim(1), out.dim(2), {}};
  else if (out.rank() == 4) m = {out.dim(1), out.dim(2), out.dim(3), {}};
  else SEGRT_FAIL(InvalidInput, "the model's output has shape ", shape_str(out.shape()), "; expected [N,C,H,W], [N,H,W,C] or [N,H,W]");
  int64_t hw = m.h * m.w;
  m.v.resize(static_cast<size_t>(m.c * hw));
  const float* src = out.data<float>() + n * m.c * hw;
  for (int64_t k = 0; k < m.c; ++k)
    for (int64_t p = 0; p < hw; ++p) m.v[k * hw + p] = (out.rank() == 4 && nhwc) ? src[p * m.c + k] : src[k * hw + p];
  if (cfg.head == Head::Logits && m.c == 1) {
    for (float& v : m.v) v = 1.f / (1.f + std::exp(-v));
  } else if (cfg.head == Head::Logits) {  // softmax over channels, max-subtracted for range
    for (int64_t p = 0; p < hw; ++p) {
      float mx = -INFINITY, sum = 0.f;
      for (int64_t k = 0; k < m.c; ++k) mx = std::max(mx, m.v[k * hw + p]);
      for (int64_t k = 0; k < m.c; ++k) sum += (m.v[k * hw + p] = std::exp(m.v[k * hw + p] - mx));
      for (int64_t k = 0; k < m.c; ++k) m.v[k * hw + p] /= sum;
    }
  }
  // Outputs at a lower resolution than the input (e.g. stride-8 heads) are upsampled to it.
  if (th > 0 && (m.h != th || m.w != tw)) {
    TileProbs r{m.c, th, tw, std::vector<float>(static_cast<size_t>(m.c * th * tw))};
    for (int64_t k = 0; k < m.c; ++k)
      for (int64_t i = 0; i < th; ++i)
        for (int64_t j = 0; j < tw; ++j)
          r.v[(k * th + i) * tw + j] = bilinear(m.plane(k), m.h, m.w, source_coord(i, th, m.h), source_coord(j, tw, m.w));
    return r;
  }
  return m;
}

}  // namespace segrt::app
