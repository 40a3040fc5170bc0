// Whole-slide formats through OpenSlide (SVS, NDPI, MRXS, SCN, ...): regions
// come as premultiplied ARGB; we hand out RGBA with alpha 0 where the slide
// has no data, which the tissue test treats as empty. Built only with
// SEGRT_HAVE_OPENSLIDE (libopenslide-dev).
#include <openslide/openslide.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app/stream/raster_source.h"
#include "segrt/error.h"

namespace segrt::app::stream {

namespace {

struct SlideCloser {
  void operator()(openslide_t* s) const { openslide_close(s); }
};

class OpenSlideSource final : public RasterSource {
 public:
  explicit OpenSlideSource(const std::string& path) : slide_(openslide_open(path.c_str())) {
    SEGRT_CHECK(slide_, Io, "OpenSlide cannot open '", path, "'");
    const char* err = openslide_get_error(slide_.get());
    SEGRT_CHECK(!err, InvalidInput, "OpenSlide: '", path, "': ", err);
    info_.path = path;
    info_.reader = "openslide";
    info_.channels = 4;
    info_.bits = 8;
    info_.tiled = true;
    int32_t n = openslide_get_level_count(slide_.get());
    for (int32_t l = 0; l < n; ++l) {
      int64_t w = 0, h = 0;
      openslide_get_level_dimensions(slide_.get(), l, &w, &h);
      info_.levels.push_back({w, h, openslide_get_level_downsample(slide_.get(), l)});
    }
    SEGRT_CHECK(!info_.levels.empty(), InvalidInput, "OpenSlide: '", path, "' has no levels");
    info_.width = info_.levels[0].width;
    info_.height = info_.levels[0].height;
    if (const char* mpp = openslide_get_property_value(slide_.get(), OPENSLIDE_PROPERTY_NAME_MPP_X))
      info_.mpp = std::atof(mpp);
  }

  std::unique_ptr<RasterSource> reopen() const override { return std::make_unique<OpenSlideSource>(info_.path); }

  Image read(int level, int64_t x, int64_t y, int64_t w, int64_t h) override {
    argb_.resize(static_cast<size_t>(w * h));
    // OpenSlide takes the top-left corner in level-0 coordinates.
    double ds = info_.levels[level].downsample;
    openslide_read_region(slide_.get(), argb_.data(), static_cast<int64_t>(x * ds), static_cast<int64_t>(y * ds), level, w, h);
    const char* err = openslide_get_error(slide_.get());
    SEGRT_CHECK(!err, InvalidInput, "OpenSlide: '", info_.path, "': ", err);
    Image img(w, h, 4, 8);
    for (size_t i = 0; i < argb_.size(); ++i) {
      uint32_t p = argb_[i];
      uint32_t a = p >> 24;
      uint8_t* d = &img.data8[i * 4];
      // Un-premultiply (OpenSlide's pixels are premultiplied by alpha).
      for (int c = 0; c < 3; ++c) {
        uint32_t v = (p >> (16 - 8 * c)) & 0xff;
        d[c] = static_cast<uint8_t>(a == 255 || a == 0 ? v : std::min<uint32_t>(255, (v * 255 + a / 2) / a));
      }
      d[3] = static_cast<uint8_t>(a);
    }
    return img;
  }

 private:
  std::unique_ptr<openslide_t, SlideCloser> slide_;
  std::vector<uint32_t> argb_;
};

}  // namespace

std::unique_ptr<RasterSource> open_openslide_raster(const std::string& path) {
  const char* vendor = openslide_detect_vendor(path.c_str());
  // Plain tiled TIFFs are OpenSlide's "generic-tiff": libtiff reads them
  // directly, in their own sample format (gray stays gray, 16 bits stay 16).
  if (!vendor || std::string(vendor) == "generic-tiff") return nullptr;
  return std::make_unique<OpenSlideSource>(path);
}

}  // namespace segrt::app::stream
