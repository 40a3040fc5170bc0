// Readers behind the streaming pipeline: one RasterSource per reader thread
// (libtiff, OpenSlide and GDAL handles are not shared across threads), each
// reading rectangles of one pyramid level into an Image. The file's content,
// not its extension, picks the reader (open_raster).
#pragma once
#include <memory>
#include <string>

#include "segrt/image.h"
#include "segrt/stream.h"

namespace segrt::app::stream {

class RasterSource {
 public:
  virtual ~RasterSource() = default;
  const RasterInfo& info() const { return info_; }
  // Pixels [x, x+w) x [y, y+h) of `level` (inside it), info().channels and
  // info().bits. Throws InvalidInput for a corrupt region, naming the file.
  virtual Image read(int level, int64_t x, int64_t y, int64_t w, int64_t h) = 0;
  // Another handle on the same file, for another thread.
  virtual std::unique_ptr<RasterSource> reopen() const = 0;

 protected:
  RasterInfo info_;
};

std::unique_ptr<RasterSource> open_raster(const std::string& path);

// The readers (raster_*.cpp). OpenSlide and GDAL are optional: their open
// functions exist only when SEGRT_HAVE_OPENSLIDE / SEGRT_HAVE_GDAL are set.
std::unique_ptr<RasterSource> open_tiff_raster(const std::string& path);
std::unique_ptr<RasterSource> open_image_raster(const std::string& path);
#if SEGRT_HAVE_OPENSLIDE
// nullptr when OpenSlide does not know the format (or it is its generic TIFF).
std::unique_ptr<RasterSource> open_openslide_raster(const std::string& path);
#endif
#if SEGRT_HAVE_GDAL
std::unique_ptr<RasterSource> open_gdal_raster(const std::string& path);
// Whether GDAL sees a CRS or geotransform in the file (false when it cannot open it).
bool gdal_is_georeferenced(const std::string& path);
// Writes the CRS and geotransform into a finished GeoTIFF (GDAL update mode).
void gdal_georeference(const std::string& path, const std::string& wkt, const std::array<double, 6>& geotransform);
#endif

}  // namespace segrt::app::stream
