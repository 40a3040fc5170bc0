// QuantizeLinear / DequantizeLinear beyond the ONNX test data of Debian's
// libonnx-testdata (1.12): float8 e4m3fn / e5m2 with and without saturation,
// opset 21 blocked scales, output_dtype; values worked out by hand from the
// formats' definitions (bias 7 / 15, 3 / 2 mantissa bits, round to nearest even).
#include <cmath>

#include "ops/op_runner.h"

namespace segrt {
namespace {

using namespace test;

std::vector<int> bytes(const Tensor& t) {
  std::vector<int> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(static_cast<const uint8_t*>(t.raw())[i]);
  return v;
}

TEST(Float8, E4M3FNEncodesRoundsAndSaturates) {
  const DType t = DType::f8e4m3fn;
  EXPECT_EQ(f32_to_f8(1.f, t), 0x38);
  EXPECT_EQ(f32_to_f8(-2.f, t), 0xC0);
  EXPECT_EQ(f32_to_f8(448.f, t), 0x7E);
  EXPECT_EQ(f32_to_f8(1.0625f, t), 0x38);   // halfway 1 / 1.125: to even (1)
  EXPECT_EQ(f32_to_f8(1.1875f, t), 0x3A);   // halfway 1.125 / 1.25: to even (1.25)
  EXPECT_EQ(f32_to_f8(0.001953125f, t), 0x01);  // 2^-9: smallest subnormal
  EXPECT_EQ(f32_to_f8(0.0009765625f, t), 0x00); // half of it: ties to even (0)
  EXPECT_EQ(f32_to_f8(1000.f, t), 0x7E);
  EXPECT_EQ(f32_to_f8(-INFINITY, t), 0xFE);
  EXPECT_EQ(f32_to_f8(1000.f, t, false), 0x7F);  // NaN: e4m3fn has no infinity
  // ONNX's (and ONNX Runtime's) top binade: [464, 480) rounds up past 448 (NaN
  // unless saturating), [480, 496) truncates to the NaN code, taken back to 448.
  EXPECT_EQ(f32_to_f8(470.f, t, false), 0x7F);
  EXPECT_EQ(f32_to_f8(470.f, t, true), 0x7E);
  EXPECT_EQ(f32_to_f8(490.f, t, false), 0x7E);
  EXPECT_EQ(f32_to_f8(500.f, t, false), 0x7F);
  EXPECT_EQ(f32_to_f8(300.f, t, false), 0x79);  // 300 = 9.375 x 32: 288, code 0.1111.001
  EXPECT_TRUE(std::isnan(f8_to_f32(0x7F, t)));
  for (int b = 0; b < 256; ++b) {  // every finite code round-trips
    if ((b & 0x7F) == 0x7F) continue;  // NaN
    EXPECT_EQ(f32_to_f8(f8_to_f32(static_cast<uint8_t>(b), t), t), b);
  }
}

TEST(Float8, E5M2HasInfinities) {
  const DType t = DType::f8e5m2;
  EXPECT_EQ(f32_to_f8(1.f, t), 0x3C);
  EXPECT_EQ(f32_to_f8(57344.f, t), 0x7B);
  EXPECT_EQ(f32_to_f8(1e6f, t), 0x7B);
  EXPECT_EQ(f32_to_f8(1e6f, t, false), 0x7C);
  EXPECT_EQ(f32_to_f8(INFINITY, t), 0x7B);
  EXPECT_EQ(f32_to_f8(-INFINITY, t, false), 0xFC);
  EXPECT_EQ(f8_to_f32(0x7C, t), INFINITY);
  EXPECT_EQ(f8_to_f32(0x01, t), std::ldexp(1.f, -16));
}

TEST(QuantizeLinear, Float8WithSaturation) {
  Tensor x = f32({0.5f, 224.f, 250.f, -0.53125f}, {4});
  Tensor zp(DType::f8e4m3fn, {});
  auto q = run_op(OpType::QuantizeLinear, {x, Const(Tensor::scalar_f32(0.5f)), Const(zp)})[0];
  EXPECT_EQ(q.dtype(), DType::f8e4m3fn);
  EXPECT_EQ(bytes(q), (std::vector<int>{0x38, 0x7E, 0x7E, 0xB8}));
  auto q2 = run_op(OpType::QuantizeLinear, {x, Const(Tensor::scalar_f32(0.5f)), Const(zp)},
                   attrs_of({{"saturate", int64_t{0}}}))[0];
  EXPECT_EQ(bytes(q2), (std::vector<int>{0x38, 0x7E, 0x7F, 0xB8}));
  auto d = run_op(OpType::DequantizeLinear, {q, Const(Tensor::scalar_f32(0.5f)), Const(zp)})[0];
  EXPECT_EQ(floats(d), (std::vector<float>{0.5f, 224.f, 224.f, -0.5f}));
}

TEST(QuantizeLinear, OutputDtypeAttributeChoosesTheType) {
  auto q = run_op(OpType::QuantizeLinear, {f32({1.f, -300.f}, {2}), Const(Tensor::scalar_f32(1.f))},
                  attrs_of({{"output_dtype", int64_t{3}}}))[0];
  EXPECT_EQ(q.dtype(), DType::i8);
  EXPECT_EQ(ints(q), (std::vector<int64_t>{1, -128}));
  auto e = run_op(OpType::QuantizeLinear, {f32({1.f}, {1}), Const(Tensor::scalar_f32(1.f))},
                  attrs_of({{"output_dtype", int64_t{19}}}))[0];
  EXPECT_EQ(e.dtype(), DType::f8e5m2);
  EXPECT_NE(run_op_error(OpType::QuantizeLinear, {f32({1.f}, {1}), Const(Tensor::scalar_f32(1.f))},
                         attrs_of({{"output_dtype", int64_t{22}}})),
            "");
}

TEST(QuantizeLinear, BlockedScalesTileTheAxis) {
  Tensor x = f32({1, 2, 3, 4, 8, 16, 24, 32}, {2, 4});
  Tensor s = f32({1, 2, 4, 8}, {2, 2});
  Attrs a = attrs_of({{"axis", int64_t{1}}, {"block_size", int64_t{2}}});
  auto q = run_op(OpType::QuantizeLinear, {x, Const(s)}, a)[0];
  EXPECT_EQ(ints(q), (std::vector<int64_t>{1, 2, 2, 2, 2, 4, 3, 4}));  // 1.5 -> 2 (ties to even)
  auto d = run_op(OpType::DequantizeLinear, {q, Const(s)}, a)[0];
  EXPECT_EQ(floats(d), (std::vector<float>{1, 2, 4, 4, 8, 16, 24, 32}));
  // A last, partial block: 3 columns in blocks of 2 need 2 scale columns.
  auto p = run_op(OpType::QuantizeLinear, {f32({2, 4, 6}, {1, 3}), Const(f32({2, 3}, {1, 2}))}, a)[0];
  EXPECT_EQ(ints(p), (std::vector<int64_t>{1, 2, 2}));
  ErrorKind k;
  EXPECT_NE(run_op_error(OpType::QuantizeLinear, {x, Const(f32({1, 2, 3}, {1, 3}))}, a, 1, &k), "");
  EXPECT_EQ(k, ErrorKind::InvalidModel);
}

TEST(QuantizeLinear, PerAxisWithInt8ZeroPoints) {
  Tensor x = f32({1, 1, 1, 1, 1, 1}, {1, 3, 2});
  Tensor zp(DType::i8, {3});
  zp.data<int8_t>()[0] = -1, zp.data<int8_t>()[1] = 0, zp.data<int8_t>()[2] = 1;
  auto q = run_op(OpType::QuantizeLinear, {x, Const(f32({0.5f, 0.25f, 1.f}, {3})), Const(zp)},
                  attrs_of({{"axis", int64_t{1}}}))[0];
  EXPECT_EQ(ints(q), (std::vector<int64_t>{1, 1, 4, 4, 2, 2}));
}

}  // namespace
}  // namespace segrt
