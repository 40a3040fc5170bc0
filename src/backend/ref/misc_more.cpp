// Reference MaxUnpool, Unique, ReverseSequence and Det (LU with partial
// pivoting in double).
#include <cmath>
#include <cstring>
#include <utility>

#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/ops/misc_more_util.h"

namespace segrt::ref {

namespace {

void max_unpool_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto x = in[0]->to_f64_vector();
  auto idx = in[1]->to_i64_vector();
  const Shape implied = max_unpool_default_shape(n.attrs, in[0]->shape());
  const Shape& os = out[0].shape();
  std::vector<double> y(static_cast<size_t>(out[0].numel()), 0.0);
  for (size_t i = 0; i < x.size(); ++i) {
    SEGRT_CHECK(idx[i] >= 0 && idx[i] < shape_numel(implied), InvalidInput, "MaxUnpool index ", idx[i],
                " outside the output");
    int64_t rest = idx[i], off = 0, stride = 1;  // same coordinates in the (possibly larger) output
    for (size_t d = os.size(); d-- > 0;) {
      off += (rest % implied[d]) * stride;
      rest /= implied[d];
      stride *= os[d];
    }
    y[off] = x[i];
  }
  store_f64(out[0], y);
}

void unique_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const UniqueResult r = unique_slices(*in[0], n.attrs);
  const size_t es = dtype_size(in[0]->dtype());
  const char* src = static_cast<const char*>(in[0]->raw());
  char* dst = static_cast<char*>(out[0].raw());
  const int64_t u = static_cast<int64_t>(r.first.size());
  for (int64_t o = 0; o < r.outer; ++o)
    for (int64_t k = 0; k < u; ++k)
      std::memcpy(dst + (o * u + k) * r.inner * es, src + (o * r.len + r.first[k]) * r.inner * es, r.inner * es);
  if (out.size() > 1) out[1] = Tensor::from_i64(r.first, out[1].shape());
  if (out.size() > 2) out[2] = Tensor::from_i64(r.inverse, out[2].shape());
  if (out.size() > 3) out[3] = Tensor::from_i64(r.counts, out[3].shape());
}

void reverse_sequence_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  const bool time_major = n.attrs.i("time_axis", 0) == 0;
  const int64_t inner = in[0]->numel() / (s[0] * s[1]);
  const auto lens = in[1]->to_i64_vector();
  const size_t es = dtype_size(in[0]->dtype());
  const char* src = static_cast<const char*>(in[0]->raw());
  char* dst = static_cast<char*>(out[0].raw());
  for (int64_t a = 0; a < s[0]; ++a)
    for (int64_t b = 0; b < s[1]; ++b) {
      const int64_t t = time_major ? a : b, batch = time_major ? b : a, steps = time_major ? s[0] : s[1];
      const int64_t len = lens[batch];
      SEGRT_CHECK(len >= 0 && len <= steps, InvalidInput, "ReverseSequence length ", len, " for ", steps, " steps");
      const int64_t from_t = t < len ? len - 1 - t : t;
      const int64_t from = time_major ? from_t * s[1] + b : a * s[1] + from_t;
      std::memcpy(dst + (a * s[1] + b) * inner * es, src + from * inner * es, inner * es);
    }
}

void det_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const int64_t m = in[0]->shape().back();
  auto x = in[0]->to_f64_vector();
  std::vector<double> y(static_cast<size_t>(out[0].numel()));
  for (size_t k = 0; k < y.size(); ++k) {
    double* a = x.data() + k * m * m;
    double det = 1;
    for (int64_t c = 0; c < m; ++c) {
      int64_t p = c;
      for (int64_t r = c + 1; r < m; ++r)
        if (std::fabs(a[r * m + c]) > std::fabs(a[p * m + c])) p = r;
      if (a[p * m + c] == 0) {
        det = 0;
        break;
      }
      if (p != c) {
        for (int64_t j = 0; j < m; ++j) std::swap(a[p * m + j], a[c * m + j]);
        det = -det;
      }
      det *= a[c * m + c];
      for (int64_t r = c + 1; r < m; ++r) {
        const double f = a[r * m + c] / a[c * m + c];
        for (int64_t j = c; j < m; ++j) a[r * m + j] -= f * a[c * m + j];
      }
    }
    y[k] = det;
  }
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(MaxUnpool, max_unpool_kernel);
SEGRT_REF_KERNEL(Unique, unique_kernel);
SEGRT_REF_KERNEL(ReverseSequence, reverse_sequence_kernel);
SEGRT_REF_KERNEL(Det, det_kernel);

}  // namespace segrt::ref
