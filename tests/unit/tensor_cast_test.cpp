// Tensor::cast float32 -> float16 (the F16C path where the CPU has it, split
// over threads for large tensors) against the scalar formula f32_to_f16, bit
// for bit: every exponent with many mantissas, both signs, the edges (largest
// finite, the rounding boundary to infinity, subnormals, NaNs, infinities).
// The whole float32 range was compared once when the path was written.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "segrt/tensor.h"

namespace segrt {
namespace {

TEST(TensorCast, F32ToF16MatchesTheScalarFormula) {
  std::vector<uint32_t> bits;
  for (uint32_t e = 0; e < 256; ++e)
    for (uint32_t m = 0; m < (1u << 23); m += 4099) {  // ~2,000 mantissas per exponent, odd stride
      bits.push_back(e << 23 | m);
      bits.push_back(0x80000000u | e << 23 | m);
    }
  for (float f : {65504.f, 65519.99f, 65520.f, 6.1035156e-05f, 5.9604645e-08f, 2.9802322e-08f, 2.9802326e-08f,
                  std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::quiet_NaN(), 0.f, -0.f}) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    bits.push_back(u);
  }
  bits.push_back(0x7f800001u);  // signalling NaN with a payload
  bits.push_back(0xffc12345u);
  while (bits.size() % 8 != 3) bits.push_back(0x3f800000u);  // a scalar tail after the 8-wide blocks
  // Large enough to be split over threads (>= 2 Mi elements): repeat the pattern.
  const size_t n = std::max<size_t>(bits.size(), size_t{5} << 20);
  Tensor t(DType::f32, {static_cast<int64_t>(n)});
  auto* p = static_cast<uint32_t*>(t.raw());
  for (size_t i = 0; i < n; ++i) p[i] = bits[i % bits.size()];
  Tensor h = t.cast(DType::f16);
  const auto* got = static_cast<const uint16_t*>(h.raw());
  const float* f = t.data<float>();
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i)
    if (got[i] != f32_to_f16(f[i]) && bad++ < 5)
      ADD_FAILURE() << "float bits 0x" << std::hex << p[i] << ": cast gave 0x" << got[i] << ", formula 0x"
                    << f32_to_f16(f[i]);
  EXPECT_EQ(bad, 0u) << "of " << n;
}

// An empty tensor casts to an empty tensor: no element is touched (its storage
// may be a null pointer, which memcpy must not see; found by fuzz_serve_grpc).
TEST(TensorCast, EmptyTensors) {
  for (DType to : {DType::f16, DType::bf16, DType::f32, DType::i64, DType::u8}) {
    Tensor e(DType::f32, {0, 3});
    Tensor c = e.cast(to);
    EXPECT_EQ(c.numel(), 0);
    EXPECT_EQ(c.dtype(), to);
  }
}

}  // namespace
}  // namespace segrt
