// Gemm (alpha, beta, transposes, C broadcast) and MatMul (1-D and batched
// broadcast cases) against hand-checked values and a naive triple loop.
#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(Gemm, PlainProductWithVectorBias) {
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = f32({1, 0, 0, 1, 1, 1}, {3, 2});
  auto out = run_op(OpType::Gemm, {a, Const(b), Const(f32({10, 20}, {2}))});
  EXPECT_EQ(floats(out[0]), (std::vector<float>{14, 25, 20, 31}));
}

TEST(Gemm, AlphaBetaTransposesAndScalarBias) {
  Tensor at = f32({1, 4, 2, 5, 3, 6}, {3, 2});  // A^T of [[1,2,3],[4,5,6]]
  Tensor bt = f32({1, 0, 1, 0, 1, 1}, {2, 3});  // B^T of [[1,0],[0,1],[1,1]]
  Attrs a = attrs_of({{"transA", int64_t{1}}, {"transB", int64_t{1}}, {"alpha", 2.0}, {"beta", 0.5}});
  auto out = run_op(OpType::Gemm, {at, bt, f32({4}, {})}, a);
  // A B = [[4,5],[10,11]]; 2 * AB + 0.5 * 4
  EXPECT_EQ(floats(out[0]), (std::vector<float>{10, 12, 22, 24}));
}

TEST(Gemm, ColumnBiasBroadcastsAndNoBias) {
  Tensor a = f32({1, 2}, {2, 1});
  Tensor b = f32({3, 4, 5}, {1, 3});
  auto out = run_op(OpType::Gemm, {a, b, f32({100, 200}, {2, 1})});
  EXPECT_EQ(floats(out[0]), (std::vector<float>{103, 104, 105, 206, 208, 210}));
  out = run_op(OpType::Gemm, {a, b});
  EXPECT_EQ(floats(out[0]), (std::vector<float>{3, 4, 5, 6, 8, 10}));
}

TEST(Gemm, MismatchedInnerDimsAndBadBiasAreModelErrors) {
  ErrorKind kind;
  std::string msg =
      run_op_error(OpType::Gemm, {Tensor(DType::f32, {2, 3}), Tensor(DType::f32, {4, 2})}, {}, 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("inner dims differ"), std::string::npos) << msg;
  msg = run_op_error(OpType::Gemm, {Tensor(DType::f32, {2, 3}), Tensor(DType::f32, {3, 2}), Tensor(DType::f32, {3})});
  EXPECT_NE(msg.find("broadcast"), std::string::npos) << msg;
}

TEST(Gemm, FusedActivationIsApplied) {
  Attrs a;
  a.set("fused_activation", "Relu");
  auto out = run_op(OpType::Gemm, {f32({1, -1}, {1, 2}), f32({1, 2, 3, 4}, {2, 2})}, a);
  EXPECT_EQ(floats(out[0]), (std::vector<float>{0, 0}));  // [1-3, 2-4] clamped
}

// Naive reference: out[b][i][j] = sum_p a[b][i][p] * b[b][p][j] on explicit batch index maps.
std::vector<float> naive_batched(const Tensor& a, const Tensor& b, int64_t batches, int64_t m, int64_t k, int64_t n,
                                 const std::vector<int64_t>& ia, const std::vector<int64_t>& ib) {
  std::vector<float> r;
  for (int64_t t = 0; t < batches; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p)
          s += static_cast<double>(a.data<float>()[(ia[t] * m + i) * k + p]) * b.data<float>()[(ib[t] * k + p) * n + j];
        r.push_back(static_cast<float>(s));
      }
  return r;
}

TEST(MatMul, TwoD) {
  auto out = run_op(OpType::MatMul, {f32({1, 2, 3, 4}, {2, 2}), f32({5, 6, 7, 8}, {2, 2})});
  EXPECT_EQ(floats(out[0]), (std::vector<float>{19, 22, 43, 50}));
}

TEST(MatMul, VectorCases) {
  Tensor v = f32({1, 2, 3}, {3});
  Tensor m = f32({1, 2, 3, 4, 5, 6}, {3, 2});
  auto vm = run_op(OpType::MatMul, {v, m});
  EXPECT_EQ(shape_str(vm[0].shape()), "[2]");
  EXPECT_EQ(floats(vm[0]), (std::vector<float>{22, 28}));
  auto mv = run_op(OpType::MatMul, {f32({1, 2, 3, 4, 5, 6}, {2, 3}), v});
  EXPECT_EQ(shape_str(mv[0].shape()), "[2]");
  EXPECT_EQ(floats(mv[0]), (std::vector<float>{14, 32}));
  auto dot = run_op(OpType::MatMul, {v, v});
  EXPECT_EQ(shape_str(dot[0].shape()), "[]");
  EXPECT_EQ(floats(dot[0]), (std::vector<float>{14}));
  // A 1-D operand against a batch: [3] x [2,3,2] -> [2,2].
  Tensor bm = random_tensor({2, 3, 2}, 9);
  auto vb = run_op(OpType::MatMul, {v, bm});
  EXPECT_EQ(shape_str(vb[0].shape()), "[2,2]");
  EXPECT_EQ(floats(vb[0]), naive_batched(v, bm, 2, 1, 3, 2, {0, 0}, {0, 1}));
}

TEST(MatMul, BatchDimsBroadcast) {
  // [2,1,3,5] x [4,5,7] -> [2,4,3,7]; a's batch (n,0) pairs with b's batch (j).
  Tensor a = random_tensor({2, 1, 3, 5}, 1);
  Tensor b = random_tensor({4, 5, 7}, 2);
  auto out = run_op(OpType::MatMul, {a, b});
  ASSERT_EQ(shape_str(out[0].shape()), "[2,4,3,7]");
  std::vector<int64_t> ia, ib;
  for (int64_t x = 0; x < 2; ++x)
    for (int64_t y = 0; y < 4; ++y) {
      ia.push_back(x);
      ib.push_back(y);
    }
  auto want = naive_batched(a, b, 8, 3, 5, 7, ia, ib);
  auto got = floats(out[0]);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6);
}

TEST(MatMul, MismatchIsAModelError) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::MatMul, {Tensor(DType::f32, {2, 3}), Tensor(DType::f32, {2, 3})}, {}, 1, &kind);
  EXPECT_EQ(kind, ErrorKind::InvalidModel);
  EXPECT_NE(msg.find("inner dims differ"), std::string::npos) << msg;
  msg = run_op_error(OpType::MatMul, {Tensor(DType::f32, {2, 2, 3}), Tensor(DType::f32, {3, 3, 4})});
  EXPECT_NE(msg.find("do not broadcast"), std::string::npos) << msg;
}

}  // namespace
}  // namespace segrt
