// Clip: float bounds as optional inputs, and integer tensors (opset 12+).
#include <cmath>

#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

TEST(Clip, FloatWithEitherBoundAbsent) {
  Tensor x = f32({-3, -0.5f, 0.25f, 2}, {4});
  EXPECT_EQ(floats(run_op(OpType::Clip, {x, Const(f32({-1}, {})), Const(f32({1}, {}))})[0]),
            (std::vector<float>{-1, -0.5f, 0.25f, 1}));
  EXPECT_EQ(floats(run_op(OpType::Clip, {x, Absent(), Const(f32({0}, {}))})[0]),
            (std::vector<float>{-3, -0.5f, 0, 0}));
  EXPECT_EQ(floats(run_op(OpType::Clip, {x})[0]), floats(x));
}

TEST(Clip, Int8AndInt64AreExact) {
  Tensor x = Tensor::from_i64({-128, -5, 0, 7, 127}, {5}).cast(DType::i8);
  auto out = run_op(OpType::Clip, {x, Const(Tensor::from_i64({-6}, {}).cast(DType::i8)), Absent()});
  EXPECT_EQ(out[0].dtype(), DType::i8);
  EXPECT_EQ(ints(out[0]), (std::vector<int64_t>{-6, -5, 0, 7, 127}));
  const int64_t big = (int64_t{1} << 53) + 1;  // not representable in float or double
  auto o64 = run_op(OpType::Clip, {i64({big + 10, -big}, {2}), Const(i64({-big}, {})), Const(i64({big}, {}))});
  EXPECT_EQ(ints(o64[0]), (std::vector<int64_t>{big, -big}));
}

}  // namespace
}  // namespace segrt
