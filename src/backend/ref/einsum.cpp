// Reference Einsum: one loop over every combination of every label's index,
// multiplying the inputs' elements in double and adding into the output.
#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/ops/einsum_util.h"

namespace segrt::ref {

namespace {

// Stride of each label of `labels` in a tensor whose dims carry `dims`
// (0 for labels it lacks and for its broadcast size-1 dims).
std::vector<int64_t> label_strides(const std::string& labels, const std::string& dims, const Shape& shape) {
  std::vector<int64_t> st(labels.size(), 0);
  auto own = row_major_strides(shape);
  for (size_t d = 0; d < dims.size(); ++d)
    if (shape[d] != 1) st[labels.find(dims[d])] += own[d];  // a repeated label (diagonal) adds up
  return st;
}

void einsum_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  std::vector<Shape> shapes;
  for (const Tensor* t : in) shapes.push_back(t->shape());
  const EinsumPlan p = einsum_plan(n.attrs.s("equation", ""), shapes);
  std::vector<std::vector<double>> x;
  std::vector<std::vector<int64_t>> st;
  for (size_t i = 0; i < in.size(); ++i) {
    x.push_back(in[i]->to_f64_vector());
    st.push_back(label_strides(p.labels, p.inputs[i], in[i]->shape()));
  }
  const auto ost = label_strides(p.labels, p.output, out[0].shape());
  std::vector<double> y(static_cast<size_t>(out[0].numel()), 0.0);
  const Shape all(p.sizes.begin(), p.sizes.end());
  for (int64_t i = 0; i < shape_numel(all); ++i) {
    int64_t rest = i, o = 0;
    std::vector<int64_t> off(in.size(), 0);
    for (size_t l = p.labels.size(); l-- > 0;) {
      const int64_t idx = rest % all[l];
      rest /= all[l];
      o += idx * ost[l];
      for (size_t k = 0; k < in.size(); ++k) off[k] += idx * st[k][l];
    }
    double v = 1.0;
    for (size_t k = 0; k < in.size(); ++k) v *= x[k][off[k]];
    y[o] += v;
  }
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(Einsum, einsum_kernel);

}  // namespace segrt::ref
