// Reference Expand: a strided read with zero strides on broadcast axes.
#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/strided_copy.h"

namespace segrt::ref {

namespace {

void expand_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  strided_copy(out[0], *in[0], broadcast_strides(in[0]->shape(), out[0].shape()));
}

}  // namespace

SEGRT_REF_KERNEL(Expand, expand_kernel);

}  // namespace segrt::ref
