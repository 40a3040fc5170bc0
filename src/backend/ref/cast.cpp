// Reference Cast: ONNX Cast's conversion rules live in core (cast_elements,
// include/segrt/tensor.h) so that every backend converts the same way.
#include "backend/ref/ref.h"

namespace segrt::ref {

namespace {

void cast_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  cast_elements(in[0]->dtype(), in[0]->raw(), out[0].dtype(), out[0].raw(), 0, in[0]->numel());
}

}  // namespace

SEGRT_REF_KERNEL(Cast, cast_kernel);

}  // namespace segrt::ref
