// (Big)TIFF and OME-TIFF through libtiff, read tile by tile (or strip by
// strip) so a region costs only the tiles it touches. Levels are the
// reduced-resolution images: OME-TIFF's SubIFDs of the first image, or the
// following images of the main chain (the generic pyramidal TIFF layout).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "app/stream/raster_source.h"
#include "app/stream/tiff_handle.h"
#include "segrt/error.h"

namespace segrt::app::stream {

namespace {

// Where level k lives: a directory index of the main chain, or a SubIFD offset.
struct LevelDir {
  tdir_t index = 0;
  toff_t subifd = 0;
};

// One strip or tile larger than this is refused: reading any region would
// decode it whole (an untiled image stored as one strip).
constexpr uint64_t kMaxChunkBytes = uint64_t{256} << 20;

class TiffSource final : public RasterSource {
 public:
  explicit TiffSource(const std::string& path) : path_(path) {
    tif_ = TiffHandle(path, "rm");
    SEGRT_CHECK(tif_, Io, "cannot open '", path, "' as TIFF: ", tif_.message());
    info_.path = path;
    info_.reader = "tiff";
    find_levels();
    select(0);
    info_.channels = spp_;
    info_.bits = bits_;
    info_.tiled = TIFFIsTiled(tif_.get());
  }

  std::unique_ptr<RasterSource> reopen() const override { return std::make_unique<TiffSource>(path_); }

  Image read(int level, int64_t x, int64_t y, int64_t w, int64_t h) override {
    select(level);
    SEGRT_CHECK(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width_ && y + h <= height_, Internal, "region ", x, ",",
                y, " ", w, "x", h, " outside level ", level, " of '", path_, "'");
    Image img(w, h, spp_, bits_);
    size_t px = static_cast<size_t>(spp_) * (bits_ / 8);
    uint8_t* dst = bits_ == 16 ? reinterpret_cast<uint8_t*>(img.data16.data()) : img.data8.data();
    // Chunks (tiles, or strips as full-width tiles) overlapping the region.
    int64_t cw = tiled_ ? tile_w_ : width_, ch = tiled_ ? tile_h_ : rows_per_strip_;
    for (int64_t cy = y / ch * ch; cy < y + h; cy += ch)
      for (int64_t cx = x / cw * cw; cx < x + w; cx += cw) {
        tmsize_t n = tiled_ ? TIFFReadEncodedTile(tif_.get(), TIFFComputeTile(tif_.get(), cx, cy, 0, 0), buf_.data(), -1)
                            : TIFFReadEncodedStrip(tif_.get(), TIFFComputeStrip(tif_.get(), cy, 0), buf_.data(), -1);
        SEGRT_CHECK(n > 0, InvalidInput, "'", path_, "': cannot decode the ", tiled_ ? "tile" : "strip", " at ", cx, ",",
                    cy, " of level ", level, ": ", tif_.message());
        int64_t y0 = std::max(y, cy), y1 = std::min({y + h, cy + ch, height_});
        int64_t x0 = std::max(x, cx), x1 = std::min(x + w, cx + cw);
        for (int64_t yy = y0; yy < y1; ++yy)
          std::memcpy(dst + ((yy - y) * w + (x0 - x)) * px, buf_.data() + ((yy - cy) * cw + (x0 - cx)) * px,
                      static_cast<size_t>(x1 - x0) * px);
      }
    return img;
  }

 private:
  void find_levels() {
    TIFF* t = tif_.get();
    uint16_t n_sub = 0;
    toff_t* subs = nullptr;
    std::vector<toff_t> sub_offsets;
    if (TIFFGetField(t, TIFFTAG_SUBIFD, &n_sub, &subs) && n_sub > 0) sub_offsets.assign(subs, subs + n_sub);
    uint32_t w0 = 0, h0 = 0;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w0);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h0);
    dirs_.push_back({0, 0});
    info_.levels.push_back({w0, h0, 1.0});
    auto add = [&](LevelDir d) {
      uint32_t w = 0, h = 0;
      TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
      TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
      // A reduced level keeps the aspect ratio (labels and macro images do not).
      double ds = static_cast<double>(w0) / std::max<uint32_t>(w, 1);
      if (w >= info_.levels.back().width || std::abs(h * ds - h0) > 2 * ds) return;
      dirs_.push_back(d);
      info_.levels.push_back({w, h, ds});
    };
    if (!sub_offsets.empty()) {
      for (toff_t off : sub_offsets)
        if (TIFFSetSubDirectory(t, off)) add({0, off});
    } else {
      for (tdir_t i = 1; TIFFSetDirectory(t, i); ++i) add({i, 0});
    }
    current_ = -1;
  }

  void select(int level) {
    if (level == current_) return;
    SEGRT_CHECK(level >= 0 && level < static_cast<int>(dirs_.size()), InvalidInput, "'", path_, "' has no level ",
                level, " (it has ", dirs_.size(), ")");
    TIFF* t = tif_.get();
    const LevelDir& d = dirs_[level];
    bool ok = d.subifd ? (TIFFSetDirectory(t, 0) && TIFFSetSubDirectory(t, d.subifd)) : TIFFSetDirectory(t, d.index);
    SEGRT_CHECK(ok, InvalidInput, "'", path_, "': cannot read the directory of level ", level);
    uint32_t w = 0, h = 0;
    uint16_t spp = 1, bits = 8, planar = PLANARCONFIG_CONTIG, photometric = PHOTOMETRIC_MINISBLACK, sf = SAMPLEFORMAT_UINT;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &sf);
    TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric);
    SEGRT_CHECK(spp >= 1 && spp <= 4 && (bits == 8 || bits == 16) && sf == SAMPLEFORMAT_UINT, InvalidInput, "'", path_,
                "': level ", level, " has ", spp, " samples of ", bits,
                " bits; streaming reads 1-4 unsigned 8/16-bit samples (convert it, e.g. with gdal_translate)");
    SEGRT_CHECK(planar == PLANARCONFIG_CONTIG || spp == 1, InvalidInput, "'", path_,
                "': separate colour planes are not supported for streaming");
    SEGRT_CHECK(photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_RGB ||
                    photometric == PHOTOMETRIC_YCBCR,
                InvalidInput, "'", path_, "': photometric interpretation ", photometric, " is not supported for streaming");
    // JPEG-compressed YCbCr is decoded to RGB by libtiff's JPEG codec.
    if (photometric == PHOTOMETRIC_YCBCR) TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    width_ = w, height_ = h, spp_ = spp, bits_ = bits;
    tiled_ = TIFFIsTiled(t);
    uint64_t chunk = 0;
    if (tiled_) {
      uint32_t tw = 0, tl = 0;
      TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
      TIFFGetField(t, TIFFTAG_TILELENGTH, &tl);
      tile_w_ = tw, tile_h_ = tl;
      chunk = static_cast<uint64_t>(TIFFTileSize64(t));
    } else {
      uint32_t rps = h;
      TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
      rows_per_strip_ = std::min<uint32_t>(rps, h);
      chunk = static_cast<uint64_t>(TIFFStripSize64(t));
    }
    SEGRT_CHECK(chunk > 0 && chunk <= kMaxChunkBytes, InvalidInput, "'", path_, "': level ", level, " is stored in ",
                tiled_ ? "tiles" : "strips", " of ", chunk >> 20,
                " MiB; streaming needs tiles or strips under 256 MiB (re-save it tiled)");
    buf_.resize(static_cast<size_t>(chunk));
    current_ = level;
  }

  std::string path_;
  TiffHandle tif_;
  std::vector<LevelDir> dirs_;
  int current_ = -1;
  int64_t width_ = 0, height_ = 0, tile_w_ = 0, tile_h_ = 0, rows_per_strip_ = 0;
  int spp_ = 1, bits_ = 8;
  bool tiled_ = false;
  std::vector<uint8_t> buf_;
};

}  // namespace

std::unique_ptr<RasterSource> open_tiff_raster(const std::string& path) { return std::make_unique<TiffSource>(path); }

}  // namespace segrt::app::stream
