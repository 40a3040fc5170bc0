// Tile blending for the streaming pipeline (see stitcher.h).
#include "app/stream/stitcher.h"

#include <algorithm>
#include <cstring>
#include <istream>
#include <string>

#include "app/tiling.h"
#include "core/parallel.h"
#include "segrt/error.h"

namespace segrt::app::stream {

TileGrid make_grid(const SegmentConfig& cfg, int64_t width, int64_t height) {
  TileGrid g;
  int64_t s = std::max(1, cfg.multiple_of), T = cfg.tile_size;
  g.width = width, g.height = height;
  g.padded_h = round_up(height, s), g.padded_w = round_up(width, s);
  if (cfg.fixed_height > 0) g.padded_h = std::max(g.padded_h, T), g.padded_w = std::max(g.padded_w, T);
  g.tile_h = std::min(T, g.padded_h), g.tile_w = std::min(T, g.padded_w);
  g.overlap = cfg.tile_overlap;
  g.ys = tile_starts(g.padded_h, g.tile_h, g.overlap, s);
  g.xs = tile_starts(g.padded_w, g.tile_w, g.overlap, s);
  return g;
}

int64_t TileGrid::row_begin(int64_t r) const { return r == 0 ? 0 : std::min(ys[r], height); }
int64_t TileGrid::row_end(int64_t r) const { return r + 1 < rows() ? std::min(ys[r + 1], height) : height; }

std::vector<Stripe> make_stripes(const TileGrid& g, int64_t width) {
  if (width <= 0 || width >= g.width) width = g.width;
  std::vector<Stripe> out;
  for (int64_t x = 0; x < g.width; x += width) {
    Stripe s{x, std::min(x + width, g.width), -1, -1};
    for (int64_t c = 0; c < g.cols(); ++c)
      if (g.xs[c] < s.x_end && g.xs[c] + g.tile_w > s.x_begin) {
        if (s.c_first < 0) s.c_first = c;
        s.c_last = c;
      }
    out.push_back(s);
  }
  return out;
}

Stitcher::Stitcher(const SegmentConfig& cfg, const TileGrid& grid, const Stripe& stripe, int64_t channels, int threads)
    : cfg_(cfg), g_(grid), st_(stripe), C_(channels), threads_(std::max(1, threads)) {
  x0_ = g_.xs[st_.c_first];
  width_ = g_.xs[st_.c_last] + g_.tile_w - x0_;
  acc_.assign(static_cast<size_t>(C_ * g_.tile_h * width_), 0.f);
  wy_total_.assign(static_cast<size_t>(g_.padded_h), 0.f);
  wx_total_.assign(static_cast<size_t>(g_.padded_w), 0.f);
  wx_.resize(static_cast<size_t>(g_.cols() * g_.tile_w));
  for (int64_t r = 0; r < g_.rows(); ++r)
    for (int64_t i = 0; i < g_.tile_h; ++i)
      wy_total_[g_.ys[r] + i] += blend_weight(i, g_.tile_h, g_.overlap, g_.ys[r] > 0, g_.ys[r] + g_.tile_h < g_.padded_h);
  for (int64_t c = 0; c < g_.cols(); ++c)
    for (int64_t j = 0; j < g_.tile_w; ++j) {
      float w = blend_weight(j, g_.tile_w, g_.overlap, g_.xs[c] > 0, g_.xs[c] + g_.tile_w < g_.padded_w);
      wx_[c * g_.tile_w + j] = w;
      wx_total_[g_.xs[c] + j] += w;
    }
  // Skipped tiles: P(class 1) = 0 for one channel, one-hot class 0 for several.
  zero_.assign(static_cast<size_t>(C_ * g_.tile_h * g_.tile_w), 0.f);
  if (C_ > 1) std::fill(zero_.begin(), zero_.begin() + g_.tile_h * g_.tile_w, 1.f);
}

void Stitcher::add(int64_t r, int64_t c0, const std::vector<const TileProbs*>& tiles) {
  int64_t th = g_.tile_h, tw = g_.tile_w;
  SEGRT_CHECK(g_.ys[r] == base_ && c0 >= st_.c_first && c0 + static_cast<int64_t>(tiles.size()) - 1 <= st_.c_last,
              Internal, "stitcher: tiles ", r, ",", c0, "+", tiles.size(), " out of order or outside the stripe");
  for (const TileProbs* p : tiles)
    SEGRT_CHECK(!p || (p->c == C_ && p->h == th && p->w == tw), Internal, "stitcher: a tile of ", p ? p->c : 0, "x",
                p ? p->h : 0, "x", p ? p->w : 0, " for ", C_, "x", th, "x", tw);
  // Threads take row ranges: tiles of one row overlap in x, never in these
  // rows, and each pixel still sums its tiles in column order (same bits).
  parallel_parts(th, threads_, [&](int64_t i0, int64_t i1) {
    for (size_t t = 0; t < tiles.size(); ++t) add_rows(r, c0 + static_cast<int64_t>(t), tiles[t], i0, i1);
  });
}

void Stitcher::add_rows(int64_t r, int64_t c, const TileProbs* probs, int64_t i0, int64_t i1) {
  int64_t th = g_.tile_h, tw = g_.tile_w, Wp = width_, y0 = g_.ys[r], x0 = g_.xs[c] - x0_;
  const float* p = probs ? probs->v.data() : zero_.data();
  const float* wx = &wx_[c * tw];
  for (int64_t i = i0; i < i1; ++i) {
    float wy = blend_weight(i, th, g_.overlap, y0 > 0, y0 + th < g_.padded_h);
    for (int64_t k = 0; k < C_; ++k) {
      float* dst = &acc_[(k * th + i) * Wp + x0];
      const float* src = p + (k * th + i) * tw;
      for (int64_t j = 0; j < tw; ++j) dst[j] += wy * wx[j] * src[j];
    }
  }
}

std::vector<uint8_t> Stitcher::finish_row(int64_t r) {
  int64_t th = g_.tile_h, Wp = width_, W = st_.x_end - st_.x_begin, xa = st_.x_begin - x0_;
  // Rows [base_, next) are final: no later tile row reaches above `next`.
  int64_t next = r + 1 < g_.rows() ? g_.ys[r + 1] : base_ + th;
  int64_t d = next - base_;
  int64_t y_begin = g_.row_begin(r), y_end = g_.row_end(r);
  std::vector<uint8_t> mask(static_cast<size_t>((y_end - y_begin) * W));
  parallel_parts(y_end - y_begin, threads_, [&](int64_t r0, int64_t r1) {
    std::vector<float> p(static_cast<size_t>(C_));
    for (int64_t y = y_begin + r0; y < y_begin + r1; ++y) {
      int64_t i = y - base_;
      float wy = wy_total_[y];
      uint8_t* out = &mask[(y - y_begin) * W];
      for (int64_t x = 0; x < W; ++x) {
        float w = wy * wx_total_[st_.x_begin + x];
        for (int64_t k = 0; k < C_; ++k) p[k] = acc_[(k * th + i) * Wp + xa + x] / w;
        out[x] = decide_class(cfg_, p.data(), C_);
      }
    }
  });
  for (int64_t k = 0; k < C_; ++k) {  // shift the band up by d rows
    float* plane = &acc_[k * th * Wp];
    std::memmove(plane, plane + d * Wp, static_cast<size_t>((th - d) * Wp) * sizeof(float));
    std::fill(plane + (th - d) * Wp, plane + th * Wp, 0.f);
  }
  base_ = next;
  held_ = th - d;
  return mask;
}

// Only the rows still holding sums are written: after finish_row that is the
// overlap band (the rest is zero), a quarter of the buffer at the usual
// 512 / 128 tiles, and checkpoints run after every tile row.
void Stitcher::save(std::string& out) const {
  int64_t th = g_.tile_h, Wp = width_;
  auto put = [&out](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  out.reserve(out.size() + 2 * sizeof(int64_t) + static_cast<size_t>(C_ * held_ * Wp) * sizeof(float));
  put(&base_, sizeof base_);
  put(&held_, sizeof held_);
  for (int64_t k = 0; k < C_; ++k) put(&acc_[k * th * Wp], static_cast<size_t>(held_ * Wp) * sizeof(float));
}

void Stitcher::load(std::istream& in) {
  int64_t th = g_.tile_h, Wp = width_;
  in.read(reinterpret_cast<char*>(&base_), sizeof base_);
  in.read(reinterpret_cast<char*>(&held_), sizeof held_);
  SEGRT_CHECK(in && held_ >= 0 && held_ <= th, Io, "checkpoint: the stitching state is truncated or damaged");
  std::fill(acc_.begin(), acc_.end(), 0.f);
  for (int64_t k = 0; k < C_; ++k)
    in.read(reinterpret_cast<char*>(&acc_[k * th * Wp]), static_cast<std::streamsize>(held_ * Wp * sizeof(float)));
  SEGRT_CHECK(in, Io, "checkpoint: the stitching state is truncated");
}

}  // namespace segrt::app::stream
