#include "core/uninitialized.h"

#include <algorithm>
#include <cstdlib>

namespace segrt {

Tensor uninitialized_tensor(DType dtype, const Shape& shape, Layout layout) {
  for (int64_t d : shape) SEGRT_CHECK(d >= 0, InvalidInput, "tensor dimension must be known and >= 0, got ", shape_str(shape));
  const uint64_t elems = static_cast<uint64_t>(shape_numel(shape));
  SEGRT_CHECK(elems <= (uint64_t{1} << 48) / dtype_size(dtype), InvalidInput, "a ", dtype_name(dtype),
              " tensor of shape ", shape_str(shape), " is impossibly large");
  const size_t bytes = static_cast<size_t>(elems) * dtype_size(dtype);
  // 64-byte aligned and rounded up, as Tensor's own buffers.
  void* p = std::aligned_alloc(64, std::max<size_t>((bytes + 63) / 64 * 64, 64));
  SEGRT_CHECK(p != nullptr, OutOfMemory, "cannot allocate ", bytes, " bytes for a ", dtype_name(dtype),
              " tensor of shape ", shape_str(shape));
  return Tensor::wrap(p, dtype, shape, std::shared_ptr<void>(p, [](void* q) { std::free(q); }), layout);
}

}  // namespace segrt
