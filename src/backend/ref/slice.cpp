// Reference Slice: one strided read; the ranges come from the same
// slice_ranges() the shape function uses.
#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/strided_copy.h"
#include "ir/ops/slice_util.h"

namespace segrt::ref {

namespace {

std::vector<int64_t> ints_or_empty(const std::vector<const Tensor*>& in, size_t i) {
  return i < in.size() && in[i] ? in[i]->to_i64_vector() : std::vector<int64_t>{};
}

void slice_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto ranges = slice_ranges(in[0]->shape(), ints_or_empty(in, 1), ints_or_empty(in, 2), ints_or_empty(in, 3),
                             ints_or_empty(in, 4));
  auto st = row_major_strides(in[0]->shape());
  int64_t base = 0;
  for (size_t d = 0; d < ranges.size(); ++d) {
    base += ranges[d].start * st[d];
    st[d] *= ranges[d].step;
  }
  strided_copy(out[0], *in[0], st, base);
}

}  // namespace

SEGRT_REF_KERNEL(Slice, slice_kernel);

}  // namespace segrt::ref
