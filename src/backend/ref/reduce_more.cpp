// Reference reductions beyond ReduceMean (double accumulation), ArgMin, TopK
// (stable: among equal values the lower index comes first), CumSum and
// Hardmax (the first maximum of each row gets 1).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/ops/reduce_more_util.h"
#include "ir/ops/reduce_util.h"
#include "ir/ops/softmax_util.h"
#include "ir/shape.h"

namespace segrt::ref {

namespace {

double reduce_init(OpType op) {
  switch (op) {
    case OpType::ReduceMax: return -INFINITY;
    case OpType::ReduceMin: return INFINITY;
    case OpType::ReduceProd: return 1.0;
    default: return 0.0;
  }
}

double reduce_step(OpType op, double acc, double x) {
  switch (op) {
    case OpType::ReduceMax: return std::isnan(acc) || std::isnan(x) ? NAN : std::max(acc, x);
    case OpType::ReduceMin: return std::isnan(acc) || std::isnan(x) ? NAN : std::min(acc, x);
    case OpType::ReduceProd: return acc * x;
    case OpType::ReduceL1: return acc + std::fabs(x);
    case OpType::ReduceL2: case OpType::ReduceSumSquare: return acc + x * x;
    case OpType::ReduceLogSumExp: return acc + std::exp(x);
    default: return acc + x;  // ReduceSum, ReduceLogSum
  }
}

double reduce_finish(OpType op, double acc) {
  switch (op) {
    case OpType::ReduceL2: return std::sqrt(acc);
    case OpType::ReduceLogSum: case OpType::ReduceLogSumExp: return std::log(acc);
    default: return acc;
  }
}

void reduce_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  auto red = reduced_axes(reduce_attrs_with_axes(n.attrs, in.size() > 1 ? in[1] : nullptr), in[0]->rank());
  Shape kept = s;
  for (size_t d = 0; d < s.size(); ++d)
    if (red[d]) kept[d] = 1;
  auto x = in[0]->to_f64_vector();
  // LogSumExp subtracts each group's maximum first, so exp cannot overflow.
  std::vector<double> shift(static_cast<size_t>(shape_numel(kept)), 0.0);
  auto st = broadcast_strides(kept, s);
  if (n.op == OpType::ReduceLogSumExp) {
    std::fill(shift.begin(), shift.end(), -INFINITY);
    for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
      double& m = shift[broadcast_offset(i, s, st)];
      m = std::max(m, x[i]);
    }
    for (double& m : shift)
      if (std::isinf(m)) m = 0;
  }
  std::vector<double> acc(shift.size(), reduce_init(n.op));
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    const int64_t o = broadcast_offset(i, s, st);
    acc[o] = reduce_step(n.op, acc[o], x[i] - shift[o]);
  }
  for (size_t o = 0; o < acc.size(); ++o) acc[o] = reduce_finish(n.op, acc[o]) + shift[o];
  store_f64(out[0], acc);
}

// [outer, len, inner] view of a tensor around one axis.
struct AxisView {
  int64_t outer = 1, len = 1, inner = 1;
  AxisView(const Shape& s, int axis) {
    for (int d = 0; d < axis; ++d) outer *= s[d];
    len = s[axis];
    for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  }
};

void argmin_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const AxisView v(in[0]->shape(), normalize_axis(n.attrs.i("axis", 0), in[0]->rank()));
  const bool last = n.attrs.i("select_last_index", 0) != 0;
  auto x = in[0]->to_f64_vector();
  int64_t* y = out[0].data<int64_t>();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      const double* p = x.data() + o * v.len * v.inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < v.len; ++k) {
        const double a = p[k * v.inner], b = p[best * v.inner];
        if (std::isnan(b) && !last) break;
        if (std::isnan(a) || a < b || (last && a == b)) best = k;
      }
      y[o * v.inner + i] = best;
    }
}

void topk_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const int axis = normalize_axis(n.attrs.i("axis", -1), in[0]->rank());
  const AxisView v(in[0]->shape(), axis);
  const int64_t k = out[0].shape()[axis];
  const bool largest = n.attrs.i("largest", 1) != 0;
  const size_t es = dtype_size(in[0]->dtype());
  auto x = in[0]->to_f64_vector();
  const char* src = static_cast<const char*>(in[0]->raw());
  char* vals = static_cast<char*>(out[0].raw());
  int64_t* idx = out[1].data<int64_t>();
  std::vector<int64_t> order(static_cast<size_t>(v.len));
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      auto at = [&](int64_t j) { return (o * v.len + j) * v.inner + i; };
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        return largest ? x[at(a)] > x[at(b)] : x[at(a)] < x[at(b)];
      });
      for (int64_t j = 0; j < k; ++j) {
        const int64_t dst = (o * k + j) * v.inner + i;
        idx[dst] = order[j];
        std::memcpy(vals + dst * es, src + at(order[j]) * es, es);
      }
    }
}

void cumsum_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const int axis = normalize_axis(in[1]->to_i64_vector().at(0), in[0]->rank());
  const AxisView v(in[0]->shape(), axis);
  const bool exclusive = n.attrs.i("exclusive", 0) != 0, reverse = n.attrs.i("reverse", 0) != 0;
  auto x = in[0]->to_f64_vector();
  std::vector<double> y(x.size());
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      double acc = 0;
      for (int64_t t = 0; t < v.len; ++t) {
        const int64_t j = reverse ? v.len - 1 - t : t;
        const int64_t p = (o * v.len + j) * v.inner + i;
        if (exclusive) {
          y[p] = acc;
          acc += x[p];
        } else {
          acc += x[p];
          y[p] = acc;
        }
      }
    }
  store_f64(out[0], y);
}

void hardmax_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const SoftmaxGeometry g = softmax_geometry(n.attrs, in[0]->shape());
  auto x = in[0]->to_f64_vector();
  std::vector<double> y(x.size(), 0.0);
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t i = 0; i < g.inner; ++i) {
      auto at = [&](int64_t k) { return (o * g.n + k) * g.inner + i; };
      int64_t best = 0;
      for (int64_t k = 1; k < g.n; ++k)
        if (x[at(k)] > x[at(best)]) best = k;
      if (g.n > 0) y[at(best)] = 1.0;
    }
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(ReduceMax, reduce_kernel);
SEGRT_REF_KERNEL(ReduceMin, reduce_kernel);
SEGRT_REF_KERNEL(ReduceSum, reduce_kernel);
SEGRT_REF_KERNEL(ReduceProd, reduce_kernel);
SEGRT_REF_KERNEL(ReduceL1, reduce_kernel);
SEGRT_REF_KERNEL(ReduceL2, reduce_kernel);
SEGRT_REF_KERNEL(ReduceLogSum, reduce_kernel);
SEGRT_REF_KERNEL(ReduceLogSumExp, reduce_kernel);
SEGRT_REF_KERNEL(ReduceSumSquare, reduce_kernel);
SEGRT_REF_KERNEL(ArgMin, argmin_kernel);
SEGRT_REF_KERNEL(TopK, topk_kernel);
SEGRT_REF_KERNEL(CumSum, cumsum_kernel);
SEGRT_REF_KERNEL(Hardmax, hardmax_kernel);

}  // namespace segrt::ref
