// Reference Reshape, Flatten, Squeeze, Unsqueeze: the data is unchanged in
// row-major order, so each is a copy into the output's new shape.
#include <cstring>

#include "backend/ref/ref.h"

namespace segrt::ref {

namespace {

void relabel_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  SEGRT_CHECK(in[0]->nbytes() == out[0].nbytes(), Internal, "reshape of ", shape_str(in[0]->shape()), " to ",
              shape_str(out[0].shape()));
  if (out[0].nbytes()) std::memcpy(out[0].raw(), in[0]->raw(), out[0].nbytes());
}

}  // namespace

SEGRT_REF_KERNEL(Reshape, relabel_kernel);
SEGRT_REF_KERNEL(Flatten, relabel_kernel);
SEGRT_REF_KERNEL(Squeeze, relabel_kernel);
SEGRT_REF_KERNEL(Unsqueeze, relabel_kernel);

}  // namespace segrt::ref
