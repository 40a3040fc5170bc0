// What a mask becomes: the class-id image, the colour overlay, and its score
// against a label image.
#include <cmath>
#include <cstdlib>

#include "segrt/segment.h"
#include "segrt/error.h"

namespace segrt::app {

Image mask_image(const SegmentResult& r) {
  Image m(r.width, r.height, 1, 8);
  m.data8 = r.mask;
  return m;
}

Image make_overlay(const Image& img, const std::vector<uint8_t>& mask, const SegmentConfig& cfg) {
  SEGRT_CHECK(mask.size() == static_cast<size_t>(img.width * img.height), Internal, "mask and image sizes differ");
  Image out(img.width, img.height, 3, 8);
  float a = static_cast<float>(cfg.overlay_alpha);
  bool gray = img.color_channels() == 1;
  for (int64_t y = 0; y < img.height; ++y)
    for (int64_t x = 0; x < img.width; ++x) {
      size_t i = static_cast<size_t>(y * img.width + x);
      uint8_t cls = mask[i];
      const auto* color = cls < cfg.classes.size() && cfg.classes[cls].color ? &*cfg.classes[cls].color : nullptr;
      for (int c = 0; c < 3; ++c) {
        float base = img.sample8(y, x, gray ? 0 : c);
        float v = color ? (1 - a) * base + a * (*color)[c] : base;
        out.data8[i * 3 + c] = static_cast<uint8_t>(std::lround(v));
      }
    }
  return out;
}

Score score_mask(const std::vector<uint8_t>& mask, const Image& label, const SegmentConfig& cfg) {
  SEGRT_CHECK(mask.size() == static_cast<size_t>(label.width * label.height), InvalidInput, "the label image is ",
              label.width, "x", label.height, ", which does not match the image");
  size_t n = std::max<size_t>(cfg.classes.size(), 2);
  // Label pixel value -> class: the class whose label_value is nearest, or the value itself.
  bool by_value = false;
  for (const auto& c : cfg.classes) by_value = by_value || c.label_value.has_value();
  std::vector<uint8_t> lut(256, 0);
  for (int v = 0; v < 256; ++v) {
    if (!by_value) {
      lut[v] = static_cast<uint8_t>(v);
      continue;
    }
    int best = -1, dist = 1 << 30;
    for (size_t k = 0; k < cfg.classes.size(); ++k)
      if (cfg.classes[k].label_value && std::abs(*cfg.classes[k].label_value - v) < dist) {
        dist = std::abs(*cfg.classes[k].label_value - v);
        best = static_cast<int>(k);
      }
    lut[v] = static_cast<uint8_t>(best);
  }
  std::vector<double> inter(n, 0), pred(n, 0), truth(n, 0);
  double correct = 0;
  for (int64_t y = 0; y < label.height; ++y)
    for (int64_t x = 0; x < label.width; ++x) {
      size_t i = static_cast<size_t>(y * label.width + x);
      uint8_t want = lut[label.sample8(y, x, 0)], got = mask[i];
      correct += want == got;
      if (got < n) pred[got] += 1;
      if (want < n) truth[want] += 1;
      if (want == got && got < n) inter[got] += 1;
    }
  Score s;
  s.accuracy = correct / static_cast<double>(mask.size());
  for (size_t k = 0; k < n; ++k) s.dice.push_back(pred[k] + truth[k] > 0 ? 2 * inter[k] / (pred[k] + truth[k]) : 1.0);
  return s;
}

}  // namespace segrt::app
