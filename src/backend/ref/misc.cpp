// Reference kernels for pass-through and source ops.
#include <algorithm>
#include <cstring>

#include "backend/ref/ref.h"
#include "ir/ops/shape_util.h"

namespace segrt::ref {

namespace {

void copy_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  out[0] = in[0]->clone();
  if (out.size() > 1) {  // Dropout mask: nothing is dropped at inference
    uint8_t* m = static_cast<uint8_t*>(out[1].raw());
    std::fill(m, m + out[1].numel(), uint8_t{1});
  }
}

void constant_kernel(const Node& n, const std::vector<const Tensor*>&, std::vector<Tensor>& out) {
  const Attrs& a = n.attrs;
  if (const Tensor* t = a.tensor("value")) {
    out[0] = t->clone();
  } else if (a.has("value_float")) {
    out[0].data<float>()[0] = static_cast<float>(a.f("value_float", 0));
  } else if (a.has("value_int")) {
    out[0].data<int64_t>()[0] = a.i("value_int", 0);
  } else if (a.has("value_floats")) {
    auto v = a.floats("value_floats");
    for (size_t i = 0; i < v.size(); ++i) out[0].data<float>()[i] = static_cast<float>(v[i]);
  } else {
    auto v = a.ints("value_ints");
    std::copy(v.begin(), v.end(), out[0].data<int64_t>());
  }
}

void shape_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  out[0] = shape_op_value(n.attrs, in[0]->shape());
}

}  // namespace

SEGRT_REF_KERNEL(Identity, copy_kernel);
SEGRT_REF_KERNEL(Dropout, copy_kernel);
SEGRT_REF_KERNEL(Constant, constant_kernel);
SEGRT_REF_KERNEL(Shape, shape_kernel);

}  // namespace segrt::ref
