// Reference ArgMax and ReduceMean. ArgMax views the input as [outer, n, inner]
// and keeps the first (or, with select_last_index, the last) maximum; NaN
// counts as the maximum, as in numpy. ReduceMean sums in double.
#include <cmath>

#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/ops/reduce_util.h"
#include "ir/shape.h"

namespace segrt::ref {

namespace {

void argmax_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  const int axis = normalize_axis(n.attrs.i("axis", 0), in[0]->rank());
  const bool last = n.attrs.i("select_last_index", 0) != 0;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t len = s[axis];
  auto x = in[0]->to_f64_vector();
  int64_t* y = out[0].data<int64_t>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const double* p = x.data() + o * len * inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < len; ++k) {
        const double v = p[k * inner], b = p[best * inner];
        if (std::isnan(b) && !last) break;
        if (std::isnan(v) || v > b || (last && v == b)) best = k;
      }
      y[o * inner + i] = best;
    }
}

void reduce_mean_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  auto red = reduced_axes(n.attrs, in[0]->rank());
  Shape kept = s;  // the output shape with reduced dims kept as 1
  int64_t count = 1;
  for (size_t d = 0; d < s.size(); ++d)
    if (red[d]) {
      kept[d] = 1;
      count *= s[d];
    }
  auto st = broadcast_strides(kept, s);
  auto x = in[0]->to_f64_vector();
  std::vector<double> sum(static_cast<size_t>(shape_numel(kept)), 0.0);
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) sum[broadcast_offset(i, s, st)] += x[i];
  for (double& v : sum) v = count ? v / static_cast<double>(count) : NAN;
  store_f64(out[0], sum);
}

}  // namespace

SEGRT_REF_KERNEL(ArgMax, argmax_kernel);
SEGRT_REF_KERNEL(ReduceMean, reduce_mean_kernel);

}  // namespace segrt::ref
