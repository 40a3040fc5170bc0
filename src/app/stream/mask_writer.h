// The class map as a tiled, pyramidal BigTIFF, written in two steps so a run
// can be resumed: while the run goes, each level's tiles are compressed
// (deflate) and appended to a spool file; at the end the spools become the
// TIFF's directories (level 0 first, then each 2x reduction, as the generic
// pyramidal layout OpenSlide, QuPath and GDAL read) by raw tile copies.
// Memory: one band of `tile` rows per level (~2 x tile x width bytes in all).
//
//   MaskWriter w(spool_dir, width, height, 256, true, 2);
//   w.add_rows(rows, n);                 // level-0 rows, top to bottom
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
  MaskWriter(std::string spool_dir, int64_t width, int64_t height, int tile, bool pyramid, int encoders);
  ~MaskWriter();
  int levels() const { return static_cast<int>(levels_.size()); }

  // The next `count` rows of level 0 (width bytes each).
  void add_rows(const uint8_t* rows, int64_t count);
  int64_t rows_written() const;

  // The state a resumed run needs (spools are flushed first); load() truncates
  // the spools back to what the checkpoint saw.
  void save(std::ostream& out);
  void load(std::istream& in);

  // After the last row: writes the TIFF (to path + ".part", then renamed).
  void assemble(const std::string& path, const std::string& description);

 private:
  struct Level;
  void add_row(size_t level, const uint8_t* row);
  void flush_band(Level& l);

  std::string dir_;
  int tile_, encoders_;
  std::vector<std::unique_ptr<Level>> levels_;
};

}  // namespace segrt::app::stream
