// Cast between every dtype of src/core, with the rounding rules spelled out.
#include <cmath>

#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

Tensor cast_to(const Tensor& x, const char* to) { return run_op(OpType::Cast, {x}, attrs_of({{"to", std::string(to)}}))[0]; }

TEST(Cast, FloatToIntTruncatesTowardZeroAndBoolIsNonZero) {
  Tensor x = f32({-2.7f, -0.5f, 0.f, 0.5f, 2.7f}, {5});
  EXPECT_EQ(ints(cast_to(x, "int64")), (std::vector<int64_t>{-2, 0, 0, 0, 2}));
  EXPECT_EQ(ints(cast_to(x, "int32")), (std::vector<int64_t>{-2, 0, 0, 0, 2}));
  EXPECT_EQ(ints(cast_to(x, "bool")), (std::vector<int64_t>{1, 1, 0, 1, 1}));
  EXPECT_EQ(cast_to(x, "int8").dtype(), DType::i8);
}

TEST(Cast, NanAndOutOfRangeFloatsToIntAreDefined) {
  Tensor x = f32({NAN, 1e10f, -1e10f, 300.f, -5.f}, {5});
  EXPECT_EQ(ints(cast_to(x, "int32")), (std::vector<int64_t>{0, 2147483647, -2147483648LL, 300, -5}));
  EXPECT_EQ(ints(cast_to(x, "uint8")), (std::vector<int64_t>{0, 255, 0, 255, 0}));
}

TEST(Cast, Float16AndBfloat16RoundToNearestEven) {
  // 1 + 2^-11 lies halfway between float16 1 and 1 + 2^-10: ties to even -> 1.
  Tensor x = f32({1.f + 1.f / 2048, 1.f + 3.f / 2048, 65504.f, 1e6f}, {4});
  auto h = cast_to(x, "float16");
  EXPECT_EQ(h.dtype(), DType::f16);
  EXPECT_EQ(floats(h), (std::vector<float>{1.f, 1.f + 2.f / 1024, 65504.f, INFINITY}));
  auto b = cast_to(f32({1.f + 1.f / 256, 3.14159f}, {2}), "bfloat16");
  EXPECT_EQ(floats(b), (std::vector<float>{1.f, 3.140625f}));
}

TEST(Cast, RoundTripsThroughFloat64AndIntegers) {
  Tensor x = i64({-3, 0, 5, 1LL << 40}, {4});
  auto d = cast_to(x, "float64");
  EXPECT_EQ(d.dtype(), DType::f64);
  EXPECT_EQ(ints(cast_to(d, "int64")), ints(x));
  EXPECT_EQ(floats(cast_to(cast_to(x, "uint8"), "float32")), (std::vector<float>{253, 0, 5, 0}));
}

TEST(Cast, UnknownTargetIsUnsupported) {
  ErrorKind kind;
  std::string msg = run_op_error(OpType::Cast, {Tensor(DType::f32, {1})}, attrs_of({{"to", std::string("string")}}), 1,
                                 &kind);
  EXPECT_EQ(kind, ErrorKind::Unsupported);
  EXPECT_NE(msg.find("Cast to 'string'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace segrt
