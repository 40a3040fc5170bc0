// Sliding-window geometry padded to three spatial axes (D, H, W), so the
// reference Conv, ConvTranspose and pool kernels use one loop nest for 1-D,
// 2-D and 3-D windows (missing leading axes have extent 1, no padding).
#pragma once
#include "ir/ops/conv_util.h"

namespace segrt::ref {

struct Window3 {
  int64_t in[3], out[3], k[3], s[3], d[3], pad[3], pad_end[3];

  explicit Window3(const ConvGeometry& g) {
    int n = g.rank();
    SEGRT_CHECK(n >= 1 && n <= 3, Unsupported, n, "-D windows (the reference backend handles 1-D to 3-D)");
    for (int i = 0; i < 3; ++i) {
      int j = i - (3 - n);  // geometry axis, or < 0 for a padded leading axis
      in[i] = j < 0 ? 1 : g.in[j];
      out[i] = j < 0 ? 1 : g.out[j];
      k[i] = j < 0 ? 1 : g.kernel[j];
      s[i] = j < 0 ? 1 : g.strides[j];
      d[i] = j < 0 ? 1 : g.dilations[j];
      pad[i] = j < 0 ? 0 : g.pads[j];
      pad_end[i] = j < 0 ? 0 : g.pads[j + n];
    }
  }
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  int64_t out_plane() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_volume() const { return k[0] * k[1] * k[2]; }
};

}  // namespace segrt::ref
