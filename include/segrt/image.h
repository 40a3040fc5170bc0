// Images as segrt's segmentation pipeline (segrt/segment.h) sees them: 8- or 16-bit samples,
// 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) interleaved channels, and
// the readers/writers for PNG, JPEG, BMP (stb) and TIFF (libtiff).
//
//   segrt::app::Image img = segrt::app::read_image("cells.tif");   // 8/16-bit
//   float v = img.sample(y, x, 0);                                   // 0..max_value()
//   segrt::app::write_image("mask.png", mask);                        // by extension
#pragma once
#include <cstdint>
#include <string>
#include <vector>

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt::app {

struct Image {
  int64_t width = 0, height = 0;
  int channels = 0;  // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
  int bits = 8;      // 8 or 16 bits per sample; data8 or data16 holds the samples
  std::vector<uint8_t> data8;
  std::vector<uint16_t> data16;

  Image() = default;
  Image(int64_t w, int64_t h, int c, int bits);  // zero-filled

  bool has_alpha() const { return channels == 2 || channels == 4; }
  int color_channels() const { return has_alpha() ? channels - 1 : channels; }
  float max_value() const { return bits == 16 ? 65535.f : 255.f; }
  size_t index(int64_t y, int64_t x, int c) const {
    return static_cast<size_t>((y * width + x) * channels + c);
  }
  float sample(int64_t y, int64_t x, int c) const {
    size_t i = index(y, x, c);
    return bits == 16 ? static_cast<float>(data16[i]) : static_cast<float>(data8[i]);
  }
  // The sample scaled to 0..255 (16-bit samples divided by 257), as an 8-bit display value.
  uint8_t sample8(int64_t y, int64_t x, int c) const {
    size_t i = index(y, x, c);
    return bits == 16 ? static_cast<uint8_t>((data16[i] + 128) / 257) : data8[i];
  }
};

// Reads PNG (8/16-bit), JPEG, BMP (and the other formats stb_image knows) and
// TIFF (8/16-bit gray, gray+alpha, RGB, RGBA; other TIFF flavours through
// libtiff's RGBA conversion). Throws InvalidInput for a corrupt or unsupported
// file and Io when it cannot be opened, naming the file.
Image read_image(const std::string& path);

// Writes by extension: .png (8/16-bit), .tif/.tiff (8/16-bit), .jpg/.jpeg and
// .bmp (8-bit). Throws Io / InvalidInput.
void write_image(const std::string& path, const Image& img);

// True for the extensions read_image is meant for (case-insensitive): used to
// pick images out of folders.
bool is_image_path(const std::string& path);

}  // namespace segrt::app

#pragma GCC visibility pop
