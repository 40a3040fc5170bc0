// CUDA builders for Gemm and MatMul through cuBLAS (cublasGemmEx and its
// batched forms), storage in the compute type, accumulation in fp32:
//   fp32: CUBLAS_COMPUTE_32F (strict: no TF32), tf32: CUBLAS_COMPUTE_32F_FAST_TF32,
//   fp16 / bf16: half-width operands, CUBLAS_COMPUTE_32F.
// cuBLAS is column-major and segrt row-major: a row-major [r, c] buffer read
// column-major is its transpose, so Y = A B is computed as Y^T = B^T A^T,
// i.e. cuBLAS gets (B, A) swapped and m = N, n = M.
#include <climits>
#include <cstring>

#include "backend/cuda/copy.cuh"
#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/elementwise.cuh"

namespace segrt::cuda {

namespace {

bool all_float(BuildCtx& c) {
  for (int id : c.n.inputs)
    if (id >= 0 && !dtype_is_float(c.g.value(id).dtype)) return false;
  return dtype_is_float(c.g.value(c.n.outputs[0]).dtype);
}

bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

cudaDataType cuda_type(DevType t) {
  return t == DevType::f16 ? CUDA_R_16F : t == DevType::bf16 ? CUDA_R_16BF : CUDA_R_32F;
}

cublasComputeType_t compute_type(const std::string& precision) {
  return precision == "tf32" ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
}

// One row-major product Y[M,N] (+)= alpha * op(A)[M,K] op(B)[K,N], batched:
// operand X of batch t at X + t * stride_x (stride 0 broadcasts), or, for
// batch dims that broadcast both ways, through per-batch pointer arrays.
struct GemmShape {
  int m = 0, n = 0, k = 0;
  bool ta = false, tb = false;
  int lda = 0, ldb = 0;  // row pitch of A and B as stored
  int batch = 1;
  long long stride_a = 0, stride_b = 0, stride_y = 0;
  std::vector<int64_t> a_off, b_off;  // element offsets per batch (pointer-array form), else empty
};

// Runs the product on the stream; beta = 0 ignores Y's old contents.
void gemm(CudaExecutable& ex, const GemmShape& g, int a, int b, int y, float alpha, float beta, void** ptr_arrays,
          cudaStream_t s) {
  DevType t = dev_type(ex.val(y).dtype);
  cudaDataType dt = cuda_type(t);
  cublasComputeType_t ct = compute_type(ex.opts().precision);
  cublasOperation_t op_a = g.ta ? CUBLAS_OP_T : CUBLAS_OP_N, op_b = g.tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasHandle_t h = ex.cublas();
  if (ptr_arrays) {
    SEGRT_CUBLAS_CHECK(cublasGemmBatchedEx(h, op_b, op_a, g.n, g.m, g.k, &alpha, ptr_arrays + g.batch, dt, g.ldb,
                                           ptr_arrays, dt, g.lda, &beta, ptr_arrays + 2 * g.batch, dt, g.n, g.batch,
                                           ct, CUBLAS_GEMM_DEFAULT));
  } else if (g.batch == 1) {
    SEGRT_CUBLAS_CHECK(cublasGemmEx(h, op_b, op_a, g.n, g.m, g.k, &alpha, ex.ptr(b), dt, g.ldb, ex.ptr(a), dt, g.lda,
                                    &beta, ex.ptr(y), dt, g.n, ct, CUBLAS_GEMM_DEFAULT));
  } else {
    SEGRT_CUBLAS_CHECK(cublasGemmStridedBatchedEx(h, op_b, op_a, g.n, g.m, g.k, &alpha, ex.ptr(b), dt, g.ldb,
                                                  g.stride_b, ex.ptr(a), dt, g.lda, g.stride_a, &beta, ex.ptr(y), dt,
                                                  g.n, g.stride_y, g.batch, ct, CUBLAS_GEMM_DEFAULT));
  }
}

// Adds the product step (and, for broadcast batches, builds the pointer
// arrays once the arena exists), then the fused activation if any.
void add_gemm_steps(BuildCtx& c, const GemmShape& g, int a, int b, int y, float alpha, float beta) {
  auto& ex = c.ex();
  int64_t numel = shape_numel(ex.val(y).shape);
  if (numel == 0) return;
  // Batched pointer arrays hold arena addresses, so each context has its own.
  auto token = std::make_shared<char>(0);  // this step's key for context_buffer
  c.step([&ex, g, a, b, y, alpha, beta, token](cudaStream_t s) {
    void** arrays = nullptr;
    if (!g.a_off.empty())
      arrays = static_cast<void**>(ex.context_buffer(token.get(), [&] {
        size_t es = static_cast<size_t>(dev_size(dev_type(ex.val(y).dtype)));
        std::vector<void*> host(3 * static_cast<size_t>(g.batch));
        for (int t = 0; t < g.batch; ++t) {
          host[t] = static_cast<char*>(ex.ptr(a)) + g.a_off[t] * es;
          host[g.batch + t] = static_cast<char*>(ex.ptr(b)) + g.b_off[t] * es;
          host[2 * g.batch + t] = static_cast<char*>(ex.ptr(y)) + static_cast<int64_t>(t) * g.m * g.n * es;
        }
        std::vector<char> bytes(host.size() * sizeof(void*));
        std::memcpy(bytes.data(), host.data(), bytes.size());
        return bytes;
      }));
    gemm(ex, g, a, b, y, alpha, beta, arrays, s);
  });
  Act act = act_of(Activation::from_fused_attrs(c.n.attrs));
  if (act.kind != ActKind::None) {
    DevType t = c.compute_dev();
    c.step([&ex, y, t, numel, act](cudaStream_t s) { launch_unary(ex.ptr(y), ex.ptr(y), t, numel, act, s); });
  }
}

// Gemm: Y = alpha * A' B' + beta * C (C broadcast to [M, N] is copied into Y
// first, then cuBLAS accumulates onto it with beta).
bool build_gemm(BuildCtx& c) {
  if (!all_float(c)) return false;
  const Shape& as = c.in_value(0).shape;
  const Shape& bs = c.in_value(1).shape;
  const Shape& ys = c.g.value(c.n.outputs[0]).shape;
  GemmShape g;
  g.ta = c.n.attrs.i("transA", 0) != 0;
  g.tb = c.n.attrs.i("transB", 0) != 0;
  int64_t m = ys[0], n = ys[1], k = g.ta ? as[0] : as[1];
  if (!fits_int(m) || !fits_int(n) || !fits_int(k) || !fits_int(as[1]) || !fits_int(bs[1])) return false;
  g.m = static_cast<int>(m);
  g.n = static_cast<int>(n);
  g.k = static_cast<int>(k);
  g.lda = std::max<int>(1, static_cast<int>(as[1]));
  g.ldb = std::max<int>(1, static_cast<int>(bs[1]));
  float alpha = static_cast<float>(c.n.attrs.f("alpha", 1.0));
  float beta = static_cast<float>(c.n.attrs.f("beta", 1.0));
  int a = c.input(0, Fmt::Logical);
  int b = c.input(1, Fmt::Logical);
  int cc = c.has_input(2) && beta != 0.f ? c.input(2, Fmt::Logical) : -1;
  int y = c.output(0, Fmt::Logical);
  auto& ex = c.ex();
  if (cc >= 0) {
    Strides view = broadcast_view(c.in_value(2).shape, ys, Fmt::Logical);
    DevType t = c.compute_dev();
    c.step([&ex, cc, y, view, t](cudaStream_t s) { launch_strided_copy(ex.ptr(cc), t, ex.ptr(y), t, view, nullptr, s); });
  }
  add_gemm_steps(c, g, a, b, y, alpha, cc >= 0 ? beta : 0.f);
  return true;
}

// MatMul: numpy semantics (1-D operands promoted, batch dims broadcast).
bool build_matmul(BuildCtx& c) {
  if (!all_float(c)) return false;
  Shape as = c.in_value(0).shape, bs = c.in_value(1).shape;
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  Shape ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  size_t r = std::max(ab.size(), bb.size());
  ab.insert(ab.begin(), r - ab.size(), 1);
  bb.insert(bb.begin(), r - bb.size(), 1);
  Shape batch(r);
  for (size_t i = 0; i < r; ++i) batch[i] = std::max(ab[i], bb[i]);
  int64_t nb = shape_numel(batch), na = shape_numel(ab), nbb = shape_numel(bb);
  GemmShape g;
  g.lda = static_cast<int>(std::max<int64_t>(k, 1));
  g.ldb = static_cast<int>(std::max<int64_t>(n, 1));
  if (nbb == 1 && na == nb) {  // a shared right operand: one product over all batches' rows
    m *= nb;
    nb = 1;
  }
  if (!fits_int(m) || !fits_int(n) || !fits_int(k) || !fits_int(nb)) return false;
  g.m = static_cast<int>(m);
  g.n = static_cast<int>(n);
  g.k = static_cast<int>(k);
  g.batch = static_cast<int>(nb);
  g.stride_y = static_cast<long long>(m) * n;
  if ((na == nb || na == 1) && (nbb == nb || nbb == 1)) {
    g.stride_a = na == 1 ? 0 : static_cast<long long>(m) * k;
    g.stride_b = nbb == 1 ? 0 : static_cast<long long>(k) * n;
  } else {  // both broadcast somewhere: a pointer per batch
    std::vector<int64_t> sa(r), sb(r);
    int64_t pa = 1, pb = 1;
    for (size_t i = r; i-- > 0;) {
      sa[i] = ab[i] == 1 ? 0 : pa;
      sb[i] = bb[i] == 1 ? 0 : pb;
      pa *= ab[i];
      pb *= bb[i];
    }
    for (int64_t t = 0; t < nb; ++t) {
      int64_t rem = t, oa = 0, ob = 0;
      for (size_t i = r; i-- > 0;) {
        int64_t idx = rem % batch[i];
        rem /= batch[i];
        oa += idx * sa[i];
        ob += idx * sb[i];
      }
      g.a_off.push_back(oa * m * k);
      g.b_off.push_back(ob * k * n);
    }
  }
  int a = c.input(0, Fmt::Logical);
  int b = c.input(1, Fmt::Logical);
  int y = c.output(0, Fmt::Logical);
  add_gemm_steps(c, g, a, b, y, 1.f, 0.f);
  return true;
}

}  // namespace

SEGRT_CUDA_OP(Gemm, build_gemm);
SEGRT_CUDA_OP(MatMul, build_matmul);

}  // namespace segrt::cuda
