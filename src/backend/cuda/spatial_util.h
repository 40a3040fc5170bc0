// Window geometry shared by the CUDA conv and pool builders: explicit pads
// from `pads` or `auto_pad` (SAME_UPPER puts the odd pixel at the end, as
// TensorFlow/Keras 'same' does) for the two spatial axes.
#pragma once
#include <vector>

#include "ir/graph.h"

namespace segrt::cuda {

struct Window2d {
  int kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0;
};

// in_hw / out_hw: spatial sizes; kernel from kernel_shape or the weights.
inline Window2d window_2d(const Node& n, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w, int kh, int kw,
                          bool transposed = false) {
  Window2d w;
  w.kh = kh;
  w.kw = kw;
  auto st = n.attrs.ints("strides", {1, 1});
  auto dl = n.attrs.ints("dilations", {1, 1});
  w.sh = static_cast<int>(st.at(0));
  w.sw = static_cast<int>(st.at(1));
  w.dh = static_cast<int>(dl.at(0));
  w.dw = static_cast<int>(dl.at(1));
  std::string ap = n.attrs.s("auto_pad", "NOTSET");
  if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
    auto total = [&](int64_t in, int64_t out, int s, int k, int d) {
      int64_t t = transposed ? (in - 1) * s + (k - 1) * d + 1 - out : (out - 1) * s + (k - 1) * d + 1 - in;
      return t < 0 ? int64_t{0} : t;
    };
    int64_t th = total(in_h, out_h, w.sh, kh, w.dh), tw = total(in_w, out_w, w.sw, kw, w.dw);
    bool upper = ap == "SAME_UPPER";
    w.pad_t = static_cast<int>(upper ? th / 2 : th - th / 2);
    w.pad_b = static_cast<int>(th - w.pad_t);
    w.pad_l = static_cast<int>(upper ? tw / 2 : tw - tw / 2);
    w.pad_r = static_cast<int>(tw - w.pad_l);
  } else if (ap != "VALID") {
    auto p = n.attrs.ints("pads", {0, 0, 0, 0});
    w.pad_t = static_cast<int>(p.at(0));
    w.pad_l = static_cast<int>(p.at(1));
    w.pad_b = static_cast<int>(p.at(2));
    w.pad_r = static_cast<int>(p.at(3));
  }
  return w;
}

}  // namespace segrt::cuda
