// The class map as a tiled, pyramidal BigTIFF, written in two steps so a run
// can be resumed: while the run goes, each level's tiles are compressed
// (deflate) and appended to a spool file; at the end the spools become the
// TIFF's directories (level 0 first, then each 2x reduction, as the generic
// pyramidal layout OpenSlide, QuPath and GDAL read) by raw tile copies.
// The mask arrives in vertical stripes (stitcher.h), each top to bottom.
// Memory: a band of `tile` rows of the stripe per level, plus the levels
// too coarse to cut into the stripes (1/768 of the image area in all at
// 4096-px stripes), held whole.
//
//   MaskWriter w(spool_dir, width, height, 256, true, 2, 4096);
//   w.begin_stripe(0, 4096);
//   w.add_rows(rows, n);                 // level-0 rows of the stripe, top to bottom
//   w.save(checkpoint); ... w.load(checkpoint);   // resume
//   w.assemble("mask.tif", description);
#pragma once
#include <cstdint>
#include <cstdio>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace segrt::app::stream {

class MaskWriter {
 public:
  // stripe_width: a multiple of `tile` (0: the whole width).
  MaskWriter(std::string spool_dir, int64_t width, int64_t height, int tile, bool pyramid, int encoders,
             int64_t stripe_width);
  ~MaskWriter();
  int levels() const { return static_cast<int>(levels_.size()); }

  // Level-0 columns [x_begin, x_end) come next (x_begin a multiple of the stripe width).
  void begin_stripe(int64_t x_begin, int64_t x_end);
  // The next `count` rows of the stripe (x_end - x_begin bytes each).
  void add_rows(const uint8_t* rows, int64_t count);
  // Level-0 pixels received so far (all stripes).
  int64_t pixels_written() const { return pixels_; }
  // After the last stripe: encodes the coarse levels held whole.
  void finish();

  // The state a resumed run needs (spools are flushed first); load() truncates
  // the spools back to what the checkpoint saw.
  void save(std::ostream& out);
  void load(std::istream& in);

  // After the last row: writes the TIFF (to path + ".part", then renamed).
  void assemble(const std::string& path, const std::string& description);

 private:
  struct Level;
  void add_row(size_t level, const uint8_t* row, int64_t x_begin, int64_t x_end);
  void flush_band(Level& l);
  void encode_tiles(Level& l, const uint8_t* src, int64_t stride, int64_t first_index, int64_t count);

  std::string dir_;
  int tile_, encoders_;
  int64_t stripe_width_, pixels_ = 0;
  std::vector<std::unique_ptr<Level>> levels_;
};

}  // namespace segrt::app::stream
