// Padding and tiling geometry (see tiling.h).
#include "app/tiling.h"

#include <algorithm>

#include "segrt/error.h"

namespace segrt::app {

int64_t round_up(int64_t n, int64_t m) { return m <= 1 ? n : (n + m - 1) / m * m; }

int64_t pad_index(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  if (mode == PadMode::Zero) return -1;
  if (mode == PadMode::Edge || n == 1) return std::clamp<int64_t>(i, 0, n - 1);
  // Reflect without repeating the edge; the period is 2(n-1), so any padding
  // width works, even one wider than the image.
  int64_t period = 2 * (n - 1);
  int64_t r = i % period;
  if (r < 0) r += period;
  return r < n ? r : period - r;
}

std::vector<int64_t> tile_starts(int64_t padded, int64_t tile, int64_t overlap, int64_t stride) {
  SEGRT_CHECK(padded > 0 && tile > 0 && stride > 0 && overlap >= 0, Internal, "bad tiling geometry ", padded, " ",
              tile, " ", overlap, " ", stride);
  if (padded <= tile) return {0};
  int64_t step = std::max<int64_t>(stride, (tile - overlap) / stride * stride);
  std::vector<int64_t> starts;
  for (int64_t s = 0; s + tile < padded; s += step) starts.push_back(s);
  starts.push_back(padded - tile);  // the last tile ends exactly at the padded edge
  return starts;
}

float blend_weight(int64_t i, int64_t n, int64_t overlap, bool open_start, bool open_end) {
  // Within `overlap` of an open side: the outer quarter (where the tile lacked
  // context) gets ~0, the middle half ramps linearly to 1, so two tiles
  // overlapping by exactly `overlap` have weights summing to 1.
  float w = 1.f;
  int64_t margin = overlap / 4, ramp = overlap - 2 * margin;
  auto side = [&](int64_t d) {
    if (ramp <= 0) return 1.f;
    return std::clamp((static_cast<float>(d - margin) + 0.5f) / static_cast<float>(ramp), 0.f, 1.f);
  };
  if (open_start) w = std::min(w, side(i));
  if (open_end) w = std::min(w, side(n - 1 - i));
  return std::max(w, 1e-4f);
}

}  // namespace segrt::app
