// Reference Gather: data seen as [outer, n, inner]; each index selects one
// contiguous inner block. Negative indices count from the end.
#include <cstring>

#include "backend/ref/ref.h"
#include "ir/shape.h"

namespace segrt::ref {

namespace {

void gather_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& ds = in[0]->shape();
  const int axis = normalize_axis(n.attrs.i("axis", 0), in[0]->rank());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= ds[d];
  for (size_t d = axis + 1; d < ds.size(); ++d) inner *= ds[d];
  const int64_t len = ds[axis];
  auto idx = in[1]->to_i64_vector();
  for (int64_t& k : idx) {
    SEGRT_CHECK(k >= -len && k < len, InvalidInput, "Gather index ", k, " is out of range for axis ", axis,
                " of size ", len);
    if (k < 0) k += len;
  }
  const size_t block = static_cast<size_t>(inner) * dtype_size(in[0]->dtype());
  const auto* src = static_cast<const uint8_t*>(in[0]->raw());
  auto* dst = static_cast<uint8_t*>(out[0].raw());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k : idx) {
      std::memcpy(dst, src + (o * len + k) * block, block);
      dst += block;
    }
}

}  // namespace

SEGRT_REF_KERNEL(Gather, gather_kernel);

}  // namespace segrt::ref
