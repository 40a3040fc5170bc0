// Reference NonMaxSuppression: the selection of ir/ops/detection.cpp, written out.
#include "backend/ref/ref.h"
#include "ir/ops/detection_util.h"

namespace segrt::ref {

namespace {

void nms_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto opt = [&](size_t i) { return i < in.size() ? in[i] : nullptr; };
  auto picked = nms_select(n.attrs, *in[0], *in[1], opt(2), opt(3), opt(4));
  int64_t* y = out[0].data<int64_t>();
  for (size_t i = 0; i < picked.size(); ++i)
    for (int k = 0; k < 3; ++k) y[i * 3 + k] = picked[i][k];
}

}  // namespace

SEGRT_REF_KERNEL(NonMaxSuppression, nms_kernel);

}  // namespace segrt::ref
