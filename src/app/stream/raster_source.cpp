// Picks the reader by the file's content (see raster_source.h) and the
// public probing functions of segrt/stream.h.
#include "app/stream/raster_source.h"

#include "app/stream/tiff_handle.h"

#include <cstring>
#include <fstream>

#include "segrt/error.h"

namespace segrt::app {
namespace stream {

namespace {

bool is_tiff(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  SEGRT_CHECK(f, Io, "cannot open '", path, "'");
  char m[4] = {};
  f.read(m, 4);
  return (m[0] == 'I' && m[1] == 'I' && (m[2] == 42 || m[2] == 43) && m[3] == 0) ||
         (m[0] == 'M' && m[1] == 'M' && m[2] == 0 && (m[3] == 42 || m[3] == 43));
}

#if SEGRT_HAVE_GDAL
// Whether the TIFF carries GeoTIFF tags (GeoKeyDirectory, ModelTiepoint,
// ModelTransformation): only those go to GDAL, which installs process-wide
// libtiff handlers when it starts, so plain TIFFs never wake it.
bool has_geotiff_tags(const std::string& path) {
  TiffHandle t(path, "rm");
  if (!t) return false;
  for (uint32_t tag : {34735u, 33922u, 34264u})
    if (TIFFFindField(t.get(), tag, TIFF_ANY)) return true;
  return false;
}
#endif

}  // namespace

std::unique_ptr<RasterSource> open_raster(const std::string& path) {
  bool tiff = is_tiff(path);
#if SEGRT_HAVE_OPENSLIDE
  // Vendor formats first: an SVS or NDPI file is a TIFF too, but only
  // OpenSlide knows its levels and metadata.
  if (auto s = open_openslide_raster(path)) return s;
#endif
#if SEGRT_HAVE_GDAL
  // A georeferenced TIFF goes through GDAL so its CRS reaches the output;
  // other formats libtiff and the codecs do not read (JPEG 2000, ...) too.
  if (tiff && has_geotiff_tags(path) && gdal_is_georeferenced(path)) return open_gdal_raster(path);
#endif
  if (tiff) return open_tiff_raster(path);
  if (is_image_path(path)) return open_image_raster(path);
#if SEGRT_HAVE_GDAL
  return open_gdal_raster(path);
#else
  SEGRT_FAIL(InvalidInput, "'", path, "': not a TIFF or a known image format (GDAL is not built in)");
#endif
}

}  // namespace stream

RasterInfo probe_raster(const std::string& path) { return stream::open_raster(path)->info(); }

std::vector<std::string> stream_readers() {
  std::vector<std::string> r{"tiff"};
#if SEGRT_HAVE_OPENSLIDE
  r.push_back("openslide");
#endif
#if SEGRT_HAVE_GDAL
  r.push_back("gdal");
#endif
  r.push_back("image");
  return r;
}

bool should_stream(const RasterInfo& info, int64_t max_pixels) {
  // Whole-slide, georeferenced and pyramidal files want streamed outputs
  // (levels, georeferencing) whatever their size.
  if (info.reader == "openslide" || info.georeferenced || info.levels.size() > 1) return true;
  return max_pixels > 0 && info.width * info.height > max_pixels;
}

}  // namespace segrt::app
