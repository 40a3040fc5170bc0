// Shapes of MaxUnpool (the inverse of MaxPool with Indices: explicit
// output_shape input or (in - 1) * stride + kernel - pads), Unique (value-
// dependent: its input must be known when shapes are inferred),
// ReverseSequence and Det ([..., M, M] -> [...]).
#include "ir/ops/misc_more_util.h"

#include <algorithm>

#include "ir/shape.h"

namespace segrt {

UniqueResult unique_slices(const Tensor& x, const Attrs& a) {
  const bool has_axis = a.has("axis");
  const Shape s = has_axis ? x.shape() : Shape{x.numel()};
  const int axis = has_axis ? normalize_axis(a.i("axis", 0), x.rank()) : 0;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t len = s.empty() ? 1 : s[axis];
  const auto v = x.to_f64_vector();
  auto slice_less = [&](int64_t p, int64_t q) {  // lexicographic over (outer, inner)
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const double x1 = v[(o * len + p) * inner + i], x2 = v[(o * len + q) * inner + i];
        if (x1 != x2) return x1 < x2;
      }
    return false;
  };
  auto slice_eq = [&](int64_t p, int64_t q) { return !slice_less(p, q) && !slice_less(q, p); };
  UniqueResult r;
  r.inverse.resize(static_cast<size_t>(len));
  for (int64_t k = 0; k < len; ++k) {  // first occurrences, in order of appearance
    size_t u = 0;
    while (u < r.first.size() && !slice_eq(r.first[u], k)) ++u;
    if (u == r.first.size()) {
      r.first.push_back(k);
      r.counts.push_back(0);
    }
    ++r.counts[u];
    r.inverse[k] = static_cast<int64_t>(u);
  }
  if (a.i("sorted", 1) != 0) {
    std::vector<int64_t> perm(r.first.size()), rank(r.first.size());
    for (size_t u = 0; u < perm.size(); ++u) perm[u] = static_cast<int64_t>(u);
    std::sort(perm.begin(), perm.end(), [&](int64_t p, int64_t q) { return slice_less(r.first[p], r.first[q]); });
    UniqueResult sorted;
    for (size_t u = 0; u < perm.size(); ++u) {
      sorted.first.push_back(r.first[perm[u]]);
      sorted.counts.push_back(r.counts[perm[u]]);
      rank[perm[u]] = static_cast<int64_t>(u);
    }
    for (int64_t& k : r.inverse) k = rank[k];
    sorted.inverse = r.inverse;
    r = sorted;
  }
  r.outer = outer;
  r.inner = inner;
  r.len = len;
  r.axis = axis;
  return r;
}

Shape max_unpool_default_shape(const Attrs& a, const Shape& x) {
  const size_t k = x.size() - 2;
  auto kernel = a.ints("kernel_shape");
  auto strides = a.ints("strides", std::vector<int64_t>(k, 1));
  auto pads = a.ints("pads", std::vector<int64_t>(2 * k, 0));
  SEGRT_CHECK(kernel.size() == k && strides.size() == k && pads.size() == 2 * k, InvalidModel,
              "MaxUnpool kernel_shape/strides/pads do not match ", k, " spatial dims");
  Shape out = x;
  for (size_t d = 0; d < k; ++d) out[d + 2] = (x[d + 2] - 1) * strides[d] + kernel[d] - pads[d] - pads[d + k];
  return out;
}

namespace {

void infer_max_unpool(InferContext& c) {
  const Shape& x = c.shape(0);
  SEGRT_CHECK(x.size() >= 3 && c.shape(1) == x, InvalidModel, "MaxUnpool takes X [N, C, ...] and indices of its shape");
  Shape out = max_unpool_default_shape(c.attrs(), x);
  if (c.has_input(2)) {
    auto s = c.require_constant(2, "MaxUnpool output_shape").to_i64_vector();
    SEGRT_CHECK(s.size() == x.size(), InvalidModel, "MaxUnpool output_shape has ", s.size(), " dims");
    for (size_t d = 0; d < s.size(); ++d)
      SEGRT_CHECK(s[d] >= out[d], InvalidModel, "MaxUnpool output_shape ", shape_str(Shape(s.begin(), s.end())),
                  " is smaller than the pooled input implies (", shape_str(out), ")");
    out.assign(s.begin(), s.end());
  }
  c.set_output(0, c.dtype(0), out);
}

void infer_unique(InferContext& c) {
  const Tensor& x = c.require_constant(0, "Unique's input");
  UniqueResult r = unique_slices(x, c.attrs());
  const int64_t u = static_cast<int64_t>(r.first.size());
  Shape y = c.attrs().has("axis") ? x.shape() : Shape{u};
  if (c.attrs().has("axis")) y[r.axis] = u;
  c.set_output(0, c.dtype(0), y);
  if (c.num_outputs() > 1) c.set_output(1, DType::i64, {u});
  if (c.num_outputs() > 2) c.set_output(2, DType::i64, {r.len});
  if (c.num_outputs() > 3) c.set_output(3, DType::i64, {u});
}

void infer_reverse_sequence(InferContext& c) {
  const int64_t t = c.attrs().i("time_axis", 0), b = c.attrs().i("batch_axis", 1);
  SEGRT_CHECK(c.rank(0) >= 2 && ((t == 0 && b == 1) || (t == 1 && b == 0)), InvalidModel,
              "ReverseSequence time_axis/batch_axis must be 0 and 1");
  SEGRT_CHECK(c.shape(1) == Shape{c.shape(0)[b]}, InvalidModel, "ReverseSequence sequence_lens ", shape_str(c.shape(1)));
  infer_same_as_input0(c);
}

void infer_det(InferContext& c) {
  const Shape& x = c.shape(0);
  SEGRT_CHECK(x.size() >= 2 && x[x.size() - 1] == x[x.size() - 2] && dtype_is_float(c.dtype(0)), InvalidModel,
              "Det takes float [..., M, M], got ", shape_str(x));
  c.set_output(0, c.dtype(0), Shape(x.begin(), x.end() - 2));
}

}  // namespace

SEGRT_SHAPE_FN(MaxUnpool, infer_max_unpool);
SEGRT_SHAPE_FN(Unique, infer_unique);
SEGRT_SHAPE_FN(ReverseSequence, infer_reverse_sequence);
SEGRT_SHAPE_FN(Det, infer_det);

}  // namespace segrt
