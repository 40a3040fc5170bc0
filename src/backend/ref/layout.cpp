// Byte-wise axis permutation for the reference spatial kernels (see layout.h).
#include "backend/ref/layout.h"

#include <cstring>

#include "backend/ref/broadcast.h"

namespace segrt::ref {

Tensor permute_bytes(const Tensor& t, const std::vector<int>& perm) {
  const Shape& s = t.shape();
  SEGRT_CHECK(perm.size() == s.size(), Internal, "permutation of rank ", perm.size(), " for a tensor ", shape_str(s));
  Shape os(s.size());
  for (size_t i = 0; i < s.size(); ++i) os[i] = s[perm[i]];
  Tensor out(t.dtype(), os, t.layout());
  auto in_st = row_major_strides(s);
  const size_t es = dtype_size(t.dtype());
  const auto* src = static_cast<const uint8_t*>(t.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  std::vector<int64_t> idx(os.size(), 0);  // odometer over the output
  for (int64_t i = 0; i < out.numel(); ++i) {
    int64_t off = 0;
    for (size_t d = 0; d < os.size(); ++d) off += idx[d] * in_st[perm[d]];
    std::memcpy(dst + i * es, src + off * es, es);
    for (size_t d = os.size(); d-- > 0;) {
      if (++idx[d] < os[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

Attrs channels_first_attrs(const Attrs& a) {
  Attrs r = a;
  r.erase("layout");
  return r;
}

Tensor channels_first(const Tensor& t, bool nhwc) {
  if (!nhwc) return t;
  int r = t.rank();
  std::vector<int> perm{0, r - 1};
  for (int i = 1; i < r - 1; ++i) perm.push_back(i);
  Tensor out = permute_bytes(t, perm);
  out.set_layout(Layout::NCHW);
  return out;
}

Tensor channels_last_if(const Tensor& t, bool nhwc) {
  if (!nhwc) return t;
  int r = t.rank();
  std::vector<int> perm{0};
  for (int i = 2; i < r; ++i) perm.push_back(i);
  perm.push_back(1);
  Tensor out = permute_bytes(t, perm);
  out.set_layout(Layout::NHWC);
  return out;
}

}  // namespace segrt::ref
