// Reference Concat and Split: block copies. A tensor seen as
// [outer, axis * inner] is joined or cut along its second dimension, so each
// step copies one contiguous run of bytes, whatever the element type.
#include <cstring>

#include "backend/ref/ref.h"
#include "ir/shape.h"

namespace segrt::ref {

namespace {

// Product of dims before `axis` (outer) and after it (inner).
void outer_inner(const Shape& s, int axis, int64_t* outer, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int d = 0; d < axis; ++d) *outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) *inner *= s[d];
}

void concat_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& os = out[0].shape();
  const int axis = normalize_axis(n.attrs.i("axis", 0), static_cast<int>(os.size()));
  const size_t esize = dtype_size(out[0].dtype());
  int64_t outer, inner;
  outer_inner(os, axis, &outer, &inner);
  const size_t out_row = static_cast<size_t>(os[axis] * inner) * esize;
  auto* dst = static_cast<uint8_t*>(out[0].raw());
  size_t col = 0;  // byte offset of the current input inside one output row
  for (const Tensor* t : in) {
    const size_t row = static_cast<size_t>(t->dim(axis) * inner) * esize;
    const auto* src = static_cast<const uint8_t*>(t->raw());
    for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * out_row + col, src + o * row, row);
    col += row;
  }
}

void split_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& is = in[0]->shape();
  const int axis = normalize_axis(n.attrs.i("axis", 0), static_cast<int>(is.size()));
  const size_t esize = dtype_size(in[0]->dtype());
  int64_t outer, inner;
  outer_inner(is, axis, &outer, &inner);
  const size_t in_row = static_cast<size_t>(is[axis] * inner) * esize;
  const auto* src = static_cast<const uint8_t*>(in[0]->raw());
  size_t col = 0;
  for (Tensor& t : out) {
    const size_t row = static_cast<size_t>(t.dim(axis) * inner) * esize;
    auto* dst = static_cast<uint8_t*>(t.raw());
    for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * row, src + o * in_row + col, row);
    col += row;
  }
}

}  // namespace

SEGRT_REF_KERNEL(Concat, concat_kernel);
SEGRT_REF_KERNEL(Split, split_kernel);

}  // namespace segrt::ref
