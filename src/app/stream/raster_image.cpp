// PNG, JPEG, BMP and other formats without random access: decoded whole by
// the image codecs (segrt/image.h), then served region by region. For images
// that fit in memory; the streaming pipeline still bounds everything else.
#include <cstring>

#include "app/stream/raster_source.h"

namespace segrt::app::stream {

namespace {

class ImageSource final : public RasterSource {
 public:
  explicit ImageSource(const std::string& path) : img_(std::make_shared<Image>(read_image(path))) { describe(path); }
  ImageSource(const std::string& path, std::shared_ptr<const Image> img) : img_(std::move(img)) { describe(path); }

  std::unique_ptr<RasterSource> reopen() const override { return std::make_unique<ImageSource>(info_.path, img_); }

  Image read(int, int64_t x, int64_t y, int64_t w, int64_t h) override {
    Image out(w, h, img_->channels, img_->bits);
    size_t px = static_cast<size_t>(img_->channels);
    for (int64_t r = 0; r < h; ++r) {
      size_t src = img_->index(y + r, x, 0), dst = out.index(r, 0, 0);
      if (img_->bits == 16) std::memcpy(&out.data16[dst], &img_->data16[src], w * px * 2);
      else std::memcpy(&out.data8[dst], &img_->data8[src], w * px);
    }
    return out;
  }

 private:
  void describe(const std::string& path) {
    info_.path = path;
    info_.reader = "image";
    info_.width = img_->width;
    info_.height = img_->height;
    info_.channels = img_->channels;
    info_.bits = img_->bits;
    info_.levels = {{img_->width, img_->height, 1.0}};
  }
  std::shared_ptr<const Image> img_;  // shared by the reader threads (read-only)
};

}  // namespace

std::unique_ptr<RasterSource> open_image_raster(const std::string& path) { return std::make_unique<ImageSource>(path); }

}  // namespace segrt::app::stream
