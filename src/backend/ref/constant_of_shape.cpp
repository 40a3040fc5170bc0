// Reference ConstantOfShape: repeats the value's bytes over the output.
#include <cstring>

#include "backend/ref/ref.h"

namespace segrt::ref {

namespace {

void constant_of_shape_kernel(const Node& n, const std::vector<const Tensor*>&, std::vector<Tensor>& out) {
  const Tensor* v = n.attrs.tensor("value");
  if (!v) return;  // float32 zeros: outputs start zero-filled
  const size_t esize = dtype_size(v->dtype());
  auto* dst = static_cast<uint8_t*>(out[0].raw());
  for (int64_t i = 0; i < out[0].numel(); ++i) std::memcpy(dst + i * esize, v->raw(), esize);
}

}  // namespace

SEGRT_REF_KERNEL(ConstantOfShape, constant_of_shape_kernel);

}  // namespace segrt::ref
