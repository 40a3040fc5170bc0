// Blending tiles into the class map one tile row at a time, with Segmenter's
// geometry (tiles on the stride grid, the last one at the padded edge) and
// weights (tiling.h blend_weight). Only rows still waiting for a later tile
// row are held, as weighted sums; weights are separable (every tile row has
// the same tile columns), so their sum is wy_total(y) * wx_total(x) and is not
// stored.
//
// Stripes keep that memory independent of the image width: the image's
// columns are cut into stripes (multiples of the output tile), each run top
// to bottom on its own with the tile columns that reach into it (tiles that
// straddle a stripe border run for both stripes). Every pixel still gets
// exactly the global grid's tiles with the global weights, so the class map
// is the one Segmenter would give. Memory: C x tile height x (stripe + ~2
// tiles) floats.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "app/tile_ops.h"
#include "segrt/segment.h"

namespace segrt::app::stream {

struct TileGrid {
  int64_t width = 0, height = 0;   // the image
  int64_t padded_h = 0, padded_w = 0;
  int64_t tile_h = 0, tile_w = 0, overlap = 0;
  std::vector<int64_t> ys, xs;     // tile starts (padded coordinates)
  int64_t rows() const { return static_cast<int64_t>(ys.size()); }
  int64_t cols() const { return static_cast<int64_t>(xs.size()); }
  // Image rows final once tile row r is done: [row_begin(r), row_end(r)).
  int64_t row_begin(int64_t r) const;
  int64_t row_end(int64_t r) const;
};

// The geometry Segmenter::segment_tiled uses for an image of this size.
TileGrid make_grid(const SegmentConfig& cfg, int64_t width, int64_t height);

// Image columns [x_begin, x_end) and the tile columns [c_first, c_last] covering them.
struct Stripe {
  int64_t x_begin = 0, x_end = 0;
  int64_t c_first = 0, c_last = 0;
};
// Stripes of `width` columns (0: one stripe of the whole image).
std::vector<Stripe> make_stripes(const TileGrid& g, int64_t width);

class Stitcher {
 public:
  // threads: how many share the blending and the class decisions (by rows).
  Stitcher(const SegmentConfig& cfg, const TileGrid& grid, const Stripe& stripe, int64_t channels, int threads = 1);

  // Adds tiles (r, c0), (r, c0 + 1), ...; nullptr: a skipped tile, all class 0.
  // Tile rows come in order, and the tiles of a row left to right.
  void add(int64_t r, int64_t c0, const std::vector<const TileProbs*>& tiles);
  // After the last tile of row r: the class ids of the rows now final,
  // [grid.row_begin(r), grid.row_end(r)) x [stripe.x_begin, x_end), row-major.
  std::vector<uint8_t> finish_row(int64_t r);

  // The rows still accumulating (after finish_row), for checkpoints: save
  // appends them to `out` (the main thread snapshots, another writes).
  void save(std::string& out) const;
  void load(std::istream& in);

 private:
  void add_rows(int64_t r, int64_t c, const TileProbs* probs, int64_t i0, int64_t i1);

  const SegmentConfig& cfg_;
  TileGrid g_;
  Stripe st_;
  int64_t C_;
  int threads_ = 1;
  int64_t x0_ = 0, width_ = 0;       // padded columns held: [x0_, x0_ + width_)
  int64_t base_ = 0;                 // padded row held at acc_ row 0
  int64_t held_ = 0;                 // acc_ rows [0, held_) hold sums; the rest are zero
  std::vector<float> acc_;           // [C][tile_h][width_] weighted sums
  std::vector<float> wy_total_, wx_total_;
  std::vector<float> wx_;            // per tile column: its weights
  std::vector<float> zero_;          // a skipped tile's probabilities
};

}  // namespace segrt::app::stream
