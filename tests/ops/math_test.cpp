// ONNX elementwise math beyond the activations: rounding (ties to even),
// predicates, comparisons with broadcasting, Mod's two sign rules, Where on
// integers, Mean, BitShift and CastLike; hand-checked values.
#include <cmath>

#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

Tensor bools(const std::vector<int64_t>& v, Shape s) { return i64(v, std::move(s)).cast(DType::boolean); }

TEST(MathOps, FloorCeilRoundTiesToEven) {
  Tensor x = f32({-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 1.7f}, {7});
  EXPECT_EQ(floats(run_op(OpType::Floor, {x})[0]), (std::vector<float>{-3, -2, -1, 0, 1, 2, 1}));
  EXPECT_EQ(floats(run_op(OpType::Ceil, {x})[0]), (std::vector<float>{-2, -1, -0.f, 1, 2, 3, 2}));
  EXPECT_EQ(floats(run_op(OpType::Round, {x})[0]), (std::vector<float>{-2, -2, -0.f, 0, 2, 2, 2}));
}

TEST(MathOps, SignReciprocalLogSinCos) {
  Tensor x = f32({-3, 0, 2, 0.5f}, {2, 2});
  EXPECT_EQ(floats(run_op(OpType::Sign, {x})[0]), (std::vector<float>{-1, 0, 1, 1}));
  EXPECT_EQ(ints(run_op(OpType::Sign, {i64({-7, 0, 9}, {3})})[0]), (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_FLOAT_EQ(floats(run_op(OpType::Reciprocal, {x})[0])[3], 2.f);
  EXPECT_FLOAT_EQ(floats(run_op(OpType::Log, {x})[0])[2], std::log(2.f));
  EXPECT_FLOAT_EQ(floats(run_op(OpType::Sin, {x})[0])[2], std::sin(2.f));
  EXPECT_FLOAT_EQ(floats(run_op(OpType::Cos, {x})[0])[0], std::cos(-3.f));
}

TEST(MathOps, ShrinkAndPredicates) {
  Tensor x = f32({-2, -0.3f, 0.4f, 3}, {4});
  auto y = run_op(OpType::Shrink, {x}, attrs_of({{"lambd", 0.5}, {"bias", 1.0}}));
  EXPECT_EQ(floats(y[0]), (std::vector<float>{-1, 0, 0, 2}));
  Tensor z = f32({NAN, INFINITY, -INFINITY, 1}, {4});
  auto nan = run_op(OpType::IsNaN, {z});
  EXPECT_EQ(nan[0].dtype(), DType::boolean);
  EXPECT_EQ(ints(nan[0]), (std::vector<int64_t>{1, 0, 0, 0}));
  EXPECT_EQ(ints(run_op(OpType::IsInf, {z}, attrs_of({{"detect_negative", int64_t{0}}}))[0]),
            (std::vector<int64_t>{0, 1, 0, 0}));
}

TEST(MathOps, ComparisonsBroadcastToBool) {
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = f32({2, 5, 3}, {3});
  EXPECT_EQ(ints(run_op(OpType::Less, {a, b})[0]), (std::vector<int64_t>{1, 1, 0, 0, 0, 0}));
  EXPECT_EQ(ints(run_op(OpType::GreaterOrEqual, {a, b})[0]), (std::vector<int64_t>{0, 0, 1, 1, 1, 1}));
  auto eq = run_op(OpType::Equal, {i64({(int64_t{1} << 60) + 1, 4}, {2}), i64({int64_t{1} << 60, 4}, {2})});
  EXPECT_EQ(ints(eq[0]), (std::vector<int64_t>{0, 1}));  // int64 compared exactly, not through double
  EXPECT_EQ(shape_str(eq[0].shape()), "[2]");
  EXPECT_EQ(ints(run_op(OpType::Xor, {bools({1, 0, 1}, {3}), bools({1}, {1})})[0]), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(ints(run_op(OpType::Not, {bools({1, 0}, {2})})[0]), (std::vector<int64_t>{0, 1}));
}

TEST(MathOps, ModFollowsDivisorOrDividendSign) {
  Tensor a = i64({-7, 7, -7, 7}, {4}), b = i64({3, -3, -3, 3}, {4});
  EXPECT_EQ(ints(run_op(OpType::Mod, {a, b})[0]), (std::vector<int64_t>{2, -2, -1, 1}));
  EXPECT_EQ(ints(run_op(OpType::Mod, {a, b}, attrs_of({{"fmod", int64_t{1}}}))[0]), (std::vector<int64_t>{-1, 1, -1, 1}));
  auto f = run_op(OpType::Mod, {f32({-7.5f, 7.5f}, {2}), f32({2, 2}, {2})}, attrs_of({{"fmod", int64_t{1}}}));
  EXPECT_EQ(floats(f[0]), (std::vector<float>{-1.5f, 1.5f}));
  EXPECT_NE(run_op_error(OpType::Mod, {f32({1}, {1}), f32({2}, {1})}), "");  // floats need fmod=1
}

TEST(MathOps, WhereMeanCastLikeBitShift) {
  auto w = run_op(OpType::Where, {bools({1, 0}, {2, 1}), i64({1, 2, 3}, {3}), i64({-1}, {1})});
  EXPECT_EQ(shape_str(w[0].shape()), "[2,3]");
  EXPECT_EQ(ints(w[0]), (std::vector<int64_t>{1, 2, 3, -1, -1, -1}));
  auto m = run_op(OpType::Mean, {f32({1, 2}, {2}), f32({3}, {1}), f32({5, 7}, {2})});
  EXPECT_EQ(floats(m[0]), (std::vector<float>{3, 4}));
  auto c = run_op(OpType::CastLike, {f32({1.7f, -2.2f}, {2}), Const(i64({0}, {1}))});
  EXPECT_EQ(c[0].dtype(), DType::i64);
  EXPECT_EQ(ints(c[0]), (std::vector<int64_t>{1, -2}));
  Tensor u = i64({1, 16, 255}, {3}).cast(DType::u8);
  auto s = run_op(OpType::BitShift, {u, i64({2}, {1}).cast(DType::u8)}, attrs_of({{"direction", std::string("LEFT")}}));
  EXPECT_EQ(ints(s[0]), (std::vector<int64_t>{4, 64, 252}));
}

}  // namespace
}  // namespace segrt
