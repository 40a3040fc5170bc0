// Reference Gemm and MatMul: row-by-row products with float64 accumulators
// (i-k-j loop order, so the inner loop runs along contiguous rows of B), then
// the fused activation a pass may have attached.
#include <algorithm>
#include <vector>

#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/activation.h"

namespace segrt::ref {

namespace {

// out[m*n] = a[m*k] * b[k*n] for row-major matrices given by element accessors.
template <class A, class B>
void matmul_rows(int64_t m, int64_t k, int64_t n, A a, B b, double* out) {
  std::vector<double> acc(static_cast<size_t>(n));
  for (int64_t i = 0; i < m; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t p = 0; p < k; ++p) {
      const double av = a(i, p);
      for (int64_t j = 0; j < n; ++j) acc[j] += av * b(p, j);
    }
    std::copy(acc.begin(), acc.end(), out + i * n);
  }
}

void apply_fused(const Node& n, std::vector<double>& y) {
  Activation act = Activation::from_fused_attrs(n.attrs);
  if (act.none()) return;
  for (double& v : y) v = act(static_cast<float>(v));
}

void gemm_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const bool ta = n.attrs.i("transA", 0) != 0, tb = n.attrs.i("transB", 0) != 0;
  const double alpha = n.attrs.f("alpha", 1.0), beta = n.attrs.f("beta", 1.0);
  const int64_t m = out[0].dim(0), nn = out[0].dim(1);
  const int64_t k = ta ? in[0]->dim(0) : in[0]->dim(1);
  const int64_t lda = in[0]->dim(1), ldb = in[1]->dim(1);
  auto a = in[0]->to_f64_vector(), b = in[1]->to_f64_vector();
  std::vector<double> y(static_cast<size_t>(m * nn));
  matmul_rows(
      m, k, nn, [&](int64_t i, int64_t p) { return ta ? a[p * lda + i] : a[i * lda + p]; },
      [&](int64_t p, int64_t j) { return tb ? b[j * ldb + p] : b[p * ldb + j]; }, y.data());
  for (double& v : y) v *= alpha;
  if (in.size() > 2 && in[2] && beta != 0) {
    auto cv = in[2]->to_f64_vector();
    auto st = broadcast_strides(in[2]->shape(), out[0].shape());
    for (int64_t i = 0; i < m * nn; ++i) y[i] += beta * cv[broadcast_offset(i, out[0].shape(), st)];
  }
  apply_fused(n, y);
  store_f64(out[0], y);
}

void matmul_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  Shape as = in[0]->shape(), bs = in[1]->shape();
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), nn = bs.back();
  // Batch dims of the output, and each operand's matrix index per output batch.
  const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  Shape batch = a_batch.size() >= b_batch.size() ? a_batch : b_batch;
  for (size_t i = 0; i < batch.size(); ++i) {
    auto dim = [&](const Shape& s) { return i + s.size() >= batch.size() ? s[i + s.size() - batch.size()] : 1; };
    batch[i] = std::max(dim(a_batch), dim(b_batch));
  }
  const auto sa = broadcast_strides(a_batch, batch), sb = broadcast_strides(b_batch, batch);
  const int64_t nbatch = shape_numel(batch);
  auto a = in[0]->to_f64_vector(), b = in[1]->to_f64_vector();
  std::vector<double> y(static_cast<size_t>(nbatch * m * nn));
  for (int64_t t = 0; t < nbatch; ++t) {
    const double* pa = a.data() + broadcast_offset(t, batch, sa) * m * k;
    const double* pb = b.data() + broadcast_offset(t, batch, sb) * k * nn;
    matmul_rows(
        m, k, nn, [&](int64_t i, int64_t p) { return pa[i * k + p]; },
        [&](int64_t p, int64_t j) { return pb[p * nn + j]; }, y.data() + t * m * nn);
  }
  apply_fused(n, y);
  store_f64(out[0], y);
}

}  // namespace

SEGRT_REF_KERNEL(Gemm, gemm_kernel);
SEGRT_REF_KERNEL(MatMul, matmul_kernel);

}  // namespace segrt::ref
