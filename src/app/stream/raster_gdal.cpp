// Geospatial rasters (GeoTIFF, JPEG 2000, ...) through GDAL, block-cached by
// GDAL itself; levels are the overviews. Also the two GDAL jobs of the
// writer side: telling georeferenced TIFFs apart, and writing the input's CRS
// and geotransform into the finished class map. Built only with
// SEGRT_HAVE_GDAL (libgdal-dev).
#include <gdal.h>
#include <cpl_conv.h>
#include <cpl_error.h>

#include <cstring>
#include <mutex>

#include "app/stream/raster_source.h"
#include "segrt/error.h"

namespace segrt::app::stream {

namespace {

void register_gdal() {
  static std::once_flag once;
  std::call_once(once, [] { GDALAllRegister(); });
}

struct DatasetCloser {
  void operator()(void* d) const { GDALClose(d); }
};
using DatasetPtr = std::unique_ptr<void, DatasetCloser>;

// Errors go to a handler installed for the calling thread only, so GDAL's
// messages become our errors instead of lines on stderr.
class QuietGdal {
 public:
  QuietGdal() { CPLPushErrorHandler(CPLQuietErrorHandler); }
  ~QuietGdal() { CPLPopErrorHandler(); }
  static std::string last() {
    const char* m = CPLGetLastErrorMsg();
    return m ? m : "";
  }
};

DatasetPtr open_dataset(const std::string& path, GDALAccess access) {
  register_gdal();
  QuietGdal quiet;
  CPLErrorReset();
  DatasetPtr d(GDALOpen(path.c_str(), access));
  SEGRT_CHECK(d, Io, "GDAL cannot open '", path, "': ", QuietGdal::last());
  return d;
}

class GdalSource final : public RasterSource {
 public:
  explicit GdalSource(const std::string& path) : ds_(open_dataset(path, GA_ReadOnly)) {
    GDALDatasetH d = ds_.get();
    info_.path = path;
    info_.reader = "gdal";
    int bands = GDALGetRasterCount(d);
    SEGRT_CHECK(bands >= 1 && bands <= 4, InvalidInput, "'", path, "' has ", bands,
                " bands; streaming reads 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)");
    GDALDataType t = GDALGetRasterDataType(GDALGetRasterBand(d, 1));
    SEGRT_CHECK(t == GDT_Byte || t == GDT_UInt16, InvalidInput, "'", path, "' has ", GDALGetDataTypeName(t),
                " samples; streaming reads 8- or 16-bit unsigned ones");
    info_.channels = bands;
    info_.bits = t == GDT_UInt16 ? 16 : 8;
    info_.width = GDALGetRasterXSize(d);
    info_.height = GDALGetRasterYSize(d);
    info_.levels.push_back({info_.width, info_.height, 1.0});
    GDALRasterBandH b1 = GDALGetRasterBand(d, 1);
    for (int i = 0; i < GDALGetOverviewCount(b1); ++i) {
      GDALRasterBandH o = GDALGetOverview(b1, i);
      int64_t w = GDALGetRasterBandXSize(o), h = GDALGetRasterBandYSize(o);
      if (w < info_.levels.back().width) info_.levels.push_back({w, h, static_cast<double>(info_.width) / w});
    }
    int bx = 0, by = 0;
    GDALGetBlockSize(b1, &bx, &by);
    info_.tiled = bx < info_.width;
    int has = 0;
    double nd = GDALGetRasterNoDataValue(b1, &has);
    if (has) info_.nodata = nd;
    const char* wkt = GDALGetProjectionRef(d);
    info_.crs_wkt = wkt ? wkt : "";
    double gt[6];
    bool has_gt = GDALGetGeoTransform(d, gt) == CE_None;
    if (has_gt) std::memcpy(info_.geotransform.data(), gt, sizeof gt);
    info_.georeferenced = !info_.crs_wkt.empty() || has_gt;
  }

  std::unique_ptr<RasterSource> reopen() const override { return std::make_unique<GdalSource>(info_.path); }

  Image read(int level, int64_t x, int64_t y, int64_t w, int64_t h) override {
    Image img(w, h, info_.channels, info_.bits);
    GDALDataType t = info_.bits == 16 ? GDT_UInt16 : GDT_Byte;
    int bytes = info_.bits / 8, C = info_.channels;
    void* dst = info_.bits == 16 ? static_cast<void*>(img.data16.data()) : static_cast<void*>(img.data8.data());
    QuietGdal quiet;
    for (int c = 0; c < C; ++c) {
      GDALRasterBandH b = GDALGetRasterBand(ds_.get(), c + 1);
      if (level > 0) b = GDALGetOverview(b, level - 1);
      CPLErr e = GDALRasterIO(b, GF_Read, static_cast<int>(x), static_cast<int>(y), static_cast<int>(w),
                              static_cast<int>(h), static_cast<uint8_t*>(dst) + c * bytes, static_cast<int>(w),
                              static_cast<int>(h), t, C * bytes, static_cast<int>(w) * C * bytes);
      SEGRT_CHECK(e == CE_None, InvalidInput, "GDAL: '", info_.path, "': cannot read ", w, "x", h, " at ", x, ",", y,
                  ": ", QuietGdal::last());
    }
    return img;
  }

 private:
  DatasetPtr ds_;
};

}  // namespace

std::unique_ptr<RasterSource> open_gdal_raster(const std::string& path) { return std::make_unique<GdalSource>(path); }

bool gdal_is_georeferenced(const std::string& path) {
  register_gdal();
  QuietGdal quiet;
  DatasetPtr d(GDALOpen(path.c_str(), GA_ReadOnly));
  if (!d) return false;
  double gt[6];
  const char* wkt = GDALGetProjectionRef(d.get());
  return (wkt && *wkt) || GDALGetGeoTransform(d.get(), gt) == CE_None;
}

void gdal_georeference(const std::string& path, const std::string& wkt, const std::array<double, 6>& geotransform) {
  DatasetPtr d = open_dataset(path, GA_Update);
  QuietGdal quiet;
  double gt[6];
  std::memcpy(gt, geotransform.data(), sizeof gt);
  bool ok = (wkt.empty() || GDALSetProjection(d.get(), wkt.c_str()) == CE_None) &&
            GDALSetGeoTransform(d.get(), gt) == CE_None;
  SEGRT_CHECK(ok, Io, "GDAL cannot write the georeferencing of '", path, "': ", QuietGdal::last());
  d.reset();  // GDALClose writes the GeoTIFF keys
}

}  // namespace segrt::app::stream
