// Reference Pad for any dtype and rank: each output element copies the input
// element its coordinates map to (edge: clamped, reflect: mirrored without
// repeating the border) or, in constant mode outside the input, the value.
#include <cstring>

#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "ir/ops/pad_util.h"

namespace segrt::ref {

namespace {

void pad_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Tensor& x = *in[0];
  const std::string mode = n.attrs.s("mode", "constant");
  const int r = x.rank();
  PadAmounts p = pad_amounts(*in[1], in.size() > 3 ? in[3] : nullptr, r);
  Tensor& y = out[0];
  const size_t es = dtype_size(x.dtype());
  // The fill value as one element of the output's dtype.
  Tensor fill(y.dtype(), {1});
  if (in.size() > 2 && in[2] && in[2]->numel() > 0) fill = in[2]->reshaped({1}).cast(y.dtype());
  const auto* src = static_cast<const uint8_t*>(x.raw());
  auto* dst = static_cast<uint8_t*>(y.raw());
  const Shape& os = y.shape();
  auto in_st = row_major_strides(x.shape());
  std::vector<int64_t> o(static_cast<size_t>(r), 0);
  for (int64_t e = 0; e < y.numel(); ++e) {
    int64_t off = 0;
    for (int a = 0; a < r && off >= 0; ++a) {
      int64_t i = pad_source_index(o[a] - p.begin[a], x.shape()[a], mode);
      off = i < 0 ? -1 : off + i * in_st[a];
    }
    std::memcpy(dst + e * es, off < 0 ? fill.raw() : src + off * es, es);
    for (int a = r - 1; a >= 0; --a) {
      if (++o[a] < os[a]) break;
      o[a] = 0;
    }
  }
}

}  // namespace

SEGRT_REF_KERNEL(Pad, pad_kernel);

}  // namespace segrt::ref
