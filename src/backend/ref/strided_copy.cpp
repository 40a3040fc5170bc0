// strided_copy: an odometer over the outer output dims and a tight typed loop
// over the innermost one (element types are copied by size, so one loop
// serves every dtype).
#include "backend/ref/strided_copy.h"

#include <cstring>

namespace segrt::ref {

namespace {

template <class T>
void copy_rows(T* dst, const T* src, const Shape& shape, const std::vector<int64_t>& st, int64_t base) {
  const int r = static_cast<int>(shape.size());
  const int64_t total = shape_numel(shape);
  if (total == 0) return;
  if (r == 0) {
    dst[0] = src[base];
    return;
  }
  const int64_t n = shape[r - 1], s = st[r - 1];
  std::vector<int64_t> idx(r, 0);
  int64_t off = base;  // input offset of the current row's first element
  for (int64_t done = 0; done < total; done += n) {
    for (int64_t j = 0; j < n; ++j) dst[j] = src[off + j * s];
    dst += n;
    for (int d = r - 2; d >= 0; --d) {  // advance the odometer over the outer dims
      off += st[d];
      if (++idx[d] < shape[d]) break;
      off -= st[d] * shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace

void strided_copy(Tensor& dst, const Tensor& src, const std::vector<int64_t>& in_strides, int64_t base) {
  const Shape& s = dst.shape();
  SEGRT_CHECK(in_strides.size() == s.size() && dst.dtype() == src.dtype(), Internal, "strided_copy: ",
              in_strides.size(), " strides for rank ", s.size());
  switch (dtype_size(dst.dtype())) {
    case 1: return copy_rows(static_cast<uint8_t*>(dst.raw()), static_cast<const uint8_t*>(src.raw()), s, in_strides, base);
    case 2: return copy_rows(static_cast<uint16_t*>(dst.raw()), static_cast<const uint16_t*>(src.raw()), s, in_strides, base);
    case 4: return copy_rows(static_cast<uint32_t*>(dst.raw()), static_cast<const uint32_t*>(src.raw()), s, in_strides, base);
    case 8: return copy_rows(static_cast<uint64_t*>(dst.raw()), static_cast<const uint64_t*>(src.raw()), s, in_strides, base);
    default: SEGRT_FAIL(Internal, "strided_copy: element size ", dtype_size(dst.dtype()));
  }
}

}  // namespace segrt::ref
