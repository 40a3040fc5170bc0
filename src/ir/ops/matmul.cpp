// Shapes of Gemm and MatMul.
//  Gemm: Y[M,N] = alpha * A'[M,K] B'[K,N] + beta * C, A' = transA ? A^T : A
//        (same for B), C optional and broadcast to [M,N].
//  MatMul: numpy matmul: batch dims broadcast; a 1-D left operand is a row
//        [1,K], a 1-D right operand a column [K,1], and that dim is dropped.
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_gemm(InferContext& c) {
  SEGRT_CHECK(c.rank(0) == 2 && c.rank(1) == 2, InvalidModel, "Gemm needs 2-D A and B, got ",
              shape_str(c.shape(0)), " and ", shape_str(c.shape(1)));
  const bool ta = c.attrs().i("transA", 0) != 0, tb = c.attrs().i("transB", 0) != 0;
  const Shape& a = c.shape(0);
  const Shape& b = c.shape(1);
  const int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
  const int64_t kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
  SEGRT_CHECK(k == kb, InvalidModel, "Gemm inner dims differ: A", ta ? "^T" : "", " is [", m, ",", k, "], B",
              tb ? "^T" : "", " is [", kb, ",", n, "]");
  SEGRT_CHECK(c.dtype(1) == c.dtype(0), InvalidModel, "A is ", dtype_name(c.dtype(0)), ", B is ", dtype_name(c.dtype(1)));
  if (c.has_input(2)) {
    Shape bc = broadcast_shapes({m, n}, c.shape(2));
    SEGRT_CHECK(bc == Shape({m, n}), InvalidModel, "C of shape ", shape_str(c.shape(2)), " does not broadcast to [",
                m, ",", n, "]");
  }
  c.set_output(0, c.dtype(0), {m, n});
}

void infer_matmul(InferContext& c) {
  Shape a = c.shape(0), b = c.shape(1);
  SEGRT_CHECK(!a.empty() && !b.empty(), InvalidModel, "MatMul operands must have rank >= 1, got ", shape_str(a),
              " and ", shape_str(b));
  SEGRT_CHECK(c.dtype(1) == c.dtype(0), InvalidModel, "A is ", dtype_name(c.dtype(0)), ", B is ", dtype_name(c.dtype(1)));
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a.insert(a.begin(), 1);
  if (b_vec) b.push_back(1);
  const int64_t k = a.back(), kb = b[b.size() - 2];
  SEGRT_CHECK(k == kb, InvalidModel, "MatMul inner dims differ: ", shape_str(c.shape(0)), " x ",
              shape_str(c.shape(1)));
  Shape out = broadcast_shapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!a_vec) out.push_back(a[a.size() - 2]);
  if (!b_vec) out.push_back(b.back());
  c.set_output(0, c.dtype(0), out);
}

}  // namespace

SEGRT_SHAPE_FN(Gemm, infer_gemm);
SEGRT_SHAPE_FN(MatMul, infer_matmul);

}  // namespace segrt
