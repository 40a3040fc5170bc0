// Reference Softmax / LogSoftmax: max-subtracted, sums in double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/ops/softmax_util.h"

namespace segrt::ref {

namespace {

void softmax_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const SoftmaxGeometry g = softmax_geometry(n.attrs, in[0]->shape());
  const bool log = n.op == OpType::LogSoftmax;
  auto x = in[0]->to_f64_vector();
  std::vector<double> y(x.size());
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t i = 0; i < g.inner; ++i) {
      const int64_t base = o * g.n * g.inner + i;
      auto at = [&](int64_t k) { return base + k * g.inner; };
      double mx = -INFINITY;
      for (int64_t k = 0; k < g.n; ++k) mx = std::max(mx, x[at(k)]);
      double sum = 0;
      for (int64_t k = 0; k < g.n; ++k) sum += std::exp(x[at(k)] - mx);
      const double log_sum = std::log(sum);
      for (int64_t k = 0; k < g.n; ++k)
        y[at(k)] = log ? x[at(k)] - mx - log_sum : std::exp(x[at(k)] - mx) / sum;
    }
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(Softmax, softmax_kernel);
SEGRT_REF_KERNEL(LogSoftmax, softmax_kernel);

}  // namespace segrt::ref
