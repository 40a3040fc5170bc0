// Image readers and writers. stb_image (Debian's libstb, linked, not
// compiled in) reads PNG 8/16-bit, JPEG and BMP and writes 8-bit PNG, JPEG and
// BMP; libtiff reads and writes TIFF; libpng writes 16-bit PNG, which stb
// cannot. Every failure becomes a segrt::Error naming the file.
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <png.h>
#include <tiffio.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "segrt/image.h"
#include "segrt/error.h"

namespace segrt::app {

Image::Image(int64_t w, int64_t h, int c, int b) : width(w), height(h), channels(c), bits(b) {
  SEGRT_CHECK(w > 0 && h > 0 && c >= 1 && c <= 4 && (b == 8 || b == 16), InvalidInput, "bad image geometry ", w, "x",
              h, "x", c, " at ", b, " bits");
  size_t n = static_cast<size_t>(w * h * c);
  if (b == 16) data16.assign(n, 0);
  else data8.assign(n, 0);
}

namespace {

// The largest image read_image decodes: 2^28 pixels (16384 x 16384). The
// header's claim is checked before any pixel buffer is allocated, so a
// 100-byte file that declares 10^5 x 10^5 pixels costs nothing.
constexpr uint64_t kMaxImagePixels = uint64_t{1} << 28;

// Image codecs reach at most ~1000:1 (deflate 1032:1, LZW a few thousand on
// constant data): 4096 pixels per file byte (plus 1 Mi pixels for tiny files)
// is beyond any honest file. The fuzzer found a 40-byte BMP that declares
// 7 x 2.8 M pixels, which stb then "decodes" for seconds.
constexpr uint64_t kMaxPixelsPerByte = 4096;

void check_declared_size(const std::string& path, uint64_t w, uint64_t h) {
  SEGRT_CHECK(w > 0 && h > 0 && w <= kMaxImagePixels && h <= kMaxImagePixels / w, InvalidInput, "image '", path,
              "' declares ", w, "x", h, " pixels, over the limit of ", kMaxImagePixels, " pixels");
  std::error_code ec;
  uint64_t bytes = std::filesystem::file_size(path, ec);
  SEGRT_CHECK(ec || w * h <= kMaxPixelsPerByte * bytes + (uint64_t{1} << 20), InvalidInput, "image '", path,
              "' declares ", w, "x", h, " pixels in a file of ", bytes, " bytes: truncated or malformed");
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return ext;
}

bool is_tiff_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char m[4] = {0, 0, 0, 0};
  f.read(m, 4);
  return (m[0] == 'I' && m[1] == 'I' && m[2] == 42 && m[3] == 0) || (m[0] == 'M' && m[1] == 'M' && m[2] == 0 && m[3] == 42);
}

// ---- stb (PNG, JPEG, BMP, ...) ----

Image read_with_stb(const std::string& path) {
  int w = 0, h = 0, c = 0;
  if (!stbi_info(path.c_str(), &w, &h, &c))
    SEGRT_FAIL(InvalidInput, "cannot decode image '", path, "': ", stbi_failure_reason());
  check_declared_size(path, static_cast<uint64_t>(w), static_cast<uint64_t>(h));
  bool sixteen = stbi_is_16_bit(path.c_str());
  Image img;
  img.width = w;
  img.height = h;
  img.channels = c;
  img.bits = sixteen ? 16 : 8;
  size_t n = static_cast<size_t>(w) * h * c;
  if (sixteen) {
    std::unique_ptr<stbi_us, void (*)(void*)> p(stbi_load_16(path.c_str(), &w, &h, &c, 0), stbi_image_free);
    if (!p) SEGRT_FAIL(InvalidInput, "cannot decode image '", path, "': ", stbi_failure_reason());
    img.data16.assign(p.get(), p.get() + n);
  } else {
    std::unique_ptr<stbi_uc, void (*)(void*)> p(stbi_load(path.c_str(), &w, &h, &c, 0), stbi_image_free);
    if (!p) SEGRT_FAIL(InvalidInput, "cannot decode image '", path, "': ", stbi_failure_reason());
    img.data8.assign(p.get(), p.get() + n);
  }
  return img;
}

// ---- TIFF ----

// libtiff reports through global handlers; keep the last message for our error.
thread_local std::string tiff_message;

void tiff_error_handler(const char* module, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  tiff_message = (module ? std::string(module) + ": " : std::string()) + buf;
}

void tiff_warning_handler(const char*, const char*, va_list) {}  // unknown tags etc.: not the user's problem

struct TiffHandle {
  TIFF* t = nullptr;
  ~TiffHandle() {
    if (t) TIFFClose(t);
  }
};

TiffHandle open_tiff(const std::string& path, const char* mode) {
  static const bool handlers_set = [] {
    TIFFSetErrorHandler(tiff_error_handler);
    TIFFSetWarningHandler(tiff_warning_handler);
    return true;
  }();
  (void)handlers_set;
  tiff_message.clear();
  TiffHandle h;
  h.t = TIFFOpen(path.c_str(), mode);
  if (!h.t) SEGRT_FAIL(InvalidInput, "cannot open TIFF '", path, "': ", tiff_message);
  return h;
}

Image read_tiff(const std::string& path) {
  TiffHandle h = open_tiff(path, "r");
  uint32_t w = 0, ht = 0;
  uint16_t spp = 1, bps = 8, photometric = PHOTOMETRIC_MINISBLACK, planar = PLANARCONFIG_CONTIG,
           format = SAMPLEFORMAT_UINT;
  SEGRT_CHECK(TIFFGetField(h.t, TIFFTAG_IMAGEWIDTH, &w) && TIFFGetField(h.t, TIFFTAG_IMAGELENGTH, &ht), InvalidInput,
              "TIFF '", path, "' has no image size");
  TIFFGetFieldDefaulted(h.t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(h.t, TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetFieldDefaulted(h.t, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(h.t, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetField(h.t, TIFFTAG_PHOTOMETRIC, &photometric);
  SEGRT_CHECK(w > 0 && ht > 0, InvalidInput, "TIFF '", path, "' is empty");
  check_declared_size(path, w, ht);

  bool plain = (bps == 8 || bps == 16) && format == SAMPLEFORMAT_UINT && planar == PLANARCONFIG_CONTIG &&
               !TIFFIsTiled(h.t) && spp >= 1 && spp <= 4 &&
               (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE ||
                (photometric == PHOTOMETRIC_RGB && spp >= 3));
  if (plain) {
    Image img(w, ht, spp, bps);
    std::vector<uint8_t> row(static_cast<size_t>(TIFFScanlineSize(h.t)));
    size_t row_samples = static_cast<size_t>(w) * spp;
    SEGRT_CHECK(row.size() >= row_samples * (bps / 8), InvalidInput, "TIFF '", path, "' has short scanlines");
    for (uint32_t y = 0; y < ht; ++y) {
      if (TIFFReadScanline(h.t, row.data(), y, 0) < 0)
        SEGRT_FAIL(InvalidInput, "corrupt TIFF '", path, "' at row ", y, ": ", tiff_message);
      if (bps == 16) std::memcpy(&img.data16[y * row_samples], row.data(), row_samples * 2);
      else std::memcpy(&img.data8[y * row_samples], row.data(), row_samples);
    }
    if (photometric == PHOTOMETRIC_MINISWHITE) {  // 0 = white: flip to the usual convention
      int colour = spp == 2 ? 1 : static_cast<int>(spp);
      for (size_t i = 0; i < static_cast<size_t>(w) * ht * spp; ++i) {
        if (static_cast<int>(i % spp) >= colour) continue;
        if (bps == 16) img.data16[i] = static_cast<uint16_t>(65535 - img.data16[i]);
        else img.data8[i] = static_cast<uint8_t>(255 - img.data8[i]);
      }
    }
    return img;
  }
  // Palette, YCbCr, tiled, planar, 1/2/4-bit ...: libtiff converts to 8-bit RGBA.
  SEGRT_CHECK(bps <= 8 && format == SAMPLEFORMAT_UINT, Unsupported, "TIFF '", path, "': ", bps, "-bit ",
              format == SAMPLEFORMAT_IEEEFP ? "floating-point" : "", " samples in this arrangement are not supported");
  std::vector<uint32_t> raster(static_cast<size_t>(w) * ht);
  if (!TIFFReadRGBAImageOriented(h.t, w, ht, raster.data(), ORIENTATION_TOPLEFT, 0))
    SEGRT_FAIL(InvalidInput, "corrupt TIFF '", path, "': ", tiff_message);
  Image img(w, ht, 4, 8);
  for (size_t i = 0; i < raster.size(); ++i) {
    img.data8[i * 4 + 0] = static_cast<uint8_t>(TIFFGetR(raster[i]));
    img.data8[i * 4 + 1] = static_cast<uint8_t>(TIFFGetG(raster[i]));
    img.data8[i * 4 + 2] = static_cast<uint8_t>(TIFFGetB(raster[i]));
    img.data8[i * 4 + 3] = static_cast<uint8_t>(TIFFGetA(raster[i]));
  }
  return img;
}

void write_tiff(const std::string& path, const Image& img) {
  TiffHandle h = open_tiff(path, "w");
  TIFFSetField(h.t, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(img.width));
  TIFFSetField(h.t, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(img.height));
  TIFFSetField(h.t, TIFFTAG_SAMPLESPERPIXEL, static_cast<uint16_t>(img.channels));
  TIFFSetField(h.t, TIFFTAG_BITSPERSAMPLE, static_cast<uint16_t>(img.bits));
  TIFFSetField(h.t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(h.t, TIFFTAG_PHOTOMETRIC, img.channels >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
  TIFFSetField(h.t, TIFFTAG_COMPRESSION, COMPRESSION_DEFLATE);
  if (img.has_alpha()) {
    uint16_t extra = EXTRASAMPLE_UNASSALPHA;
    TIFFSetField(h.t, TIFFTAG_EXTRASAMPLES, 1, &extra);
  }
  TIFFSetField(h.t, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(h.t, 0));
  size_t row_samples = static_cast<size_t>(img.width) * img.channels;
  for (int64_t y = 0; y < img.height; ++y) {
    void* row = img.bits == 16 ? static_cast<void*>(const_cast<uint16_t*>(&img.data16[y * row_samples]))
                               : static_cast<void*>(const_cast<uint8_t*>(&img.data8[y * row_samples]));
    if (TIFFWriteScanline(h.t, row, static_cast<uint32_t>(y), 0) < 0)
      SEGRT_FAIL(Io, "cannot write TIFF '", path, "': ", tiff_message);
  }
}

// ---- 16-bit PNG through libpng ----

void write_png16(const std::string& path, const Image& img) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  SEGRT_CHECK(f, Io, "cannot create '", path, "'");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  bool ok = false;
  // libpng reports errors by longjmp: nothing with a destructor lives in this scope.
  if (png && info && setjmp(png_jmpbuf(png)) == 0) {
    png_init_io(png, f);
    static const int types[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_IHDR(png, info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height), 16,
                 types[img.channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_set_swap(png);  // PNG stores samples big-endian; ours are in host (little-endian) order
    size_t row_samples = static_cast<size_t>(img.width) * img.channels;
    for (int64_t y = 0; y < img.height; ++y)
      png_write_row(png, reinterpret_cast<png_const_bytep>(&img.data16[y * row_samples]));
    png_write_end(png, nullptr);
    ok = true;
  }
  png_destroy_write_struct(&png, &info);
  bool closed = std::fclose(f) == 0;
  SEGRT_CHECK(ok && closed, Io, "cannot write PNG '", path, "'");
}

}  // namespace

bool is_image_path(const std::string& path) {
  static const char* exts[] = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"};
  std::string ext = lower_extension(path);
  return std::any_of(std::begin(exts), std::end(exts), [&](const char* e) { return ext == e; });
}

Image read_image(const std::string& path) {
  std::error_code ec;
  SEGRT_CHECK(std::filesystem::is_regular_file(path, ec), Io, "cannot read '", path, "': no such file");
  Image img = is_tiff_file(path) ? read_tiff(path) : read_with_stb(path);
  SEGRT_CHECK(img.channels >= 1 && img.channels <= 4, InvalidInput, "image '", path, "' has ", img.channels,
              " channels; 1 to 4 are supported");
  return img;
}

void write_image(const std::string& path, const Image& img) {
  std::string ext = lower_extension(path);
  SEGRT_CHECK(img.width > 0 && img.height > 0 && img.channels >= 1 && img.channels <= 4, InvalidInput,
              "cannot write an empty image to '", path, "'");
  int w = static_cast<int>(img.width), h = static_cast<int>(img.height), c = img.channels;
  if (ext == ".tif" || ext == ".tiff") return write_tiff(path, img);
  if (ext == ".png" && img.bits == 16) return write_png16(path, img);
  SEGRT_CHECK(img.bits == 8, InvalidInput, "'", path, "': ", ext, " holds 8-bit samples only");
  int ok = 0;
  if (ext == ".png") ok = stbi_write_png(path.c_str(), w, h, c, img.data8.data(), w * c);
  else if (ext == ".jpg" || ext == ".jpeg") ok = stbi_write_jpg(path.c_str(), w, h, c, img.data8.data(), 95);
  else if (ext == ".bmp") ok = stbi_write_bmp(path.c_str(), w, h, c, img.data8.data());
  else SEGRT_FAIL(InvalidInput, "cannot write '", path, "': unknown image extension '", ext, "'");
  SEGRT_CHECK(ok, Io, "cannot write '", path, "'");
}

}  // namespace segrt::app
