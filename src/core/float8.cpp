// FP8 (E4M3FN, E5M2) <-> float32, as ONNX defines them for Cast and
// QuantizeLinear (opset 19): round to nearest even on the format's grid,
// subnormals included; E4M3FN has no infinity (S.1111.111 is NaN, max 448),
// E5M2 is IEEE-like (max 57344, infinities). Written over doubles: every fp8
// value and every grid step is a power-of-two multiple, so each step is exact.
#include <cmath>

#include "segrt/tensor.h"

namespace segrt {

namespace {

struct F8Format {
  int mbits, bias;
  double max;
  bool has_inf;
};

F8Format format_of(DType t) {
  SEGRT_CHECK(t == DType::f8e4m3fn || t == DType::f8e5m2, Internal, "not an fp8 type: ", dtype_name(t));
  return t == DType::f8e4m3fn ? F8Format{3, 7, 448.0, false} : F8Format{2, 15, 57344.0, true};
}

}  // namespace

uint8_t f32_to_f8(float f, DType t, bool saturate) {
  const F8Format fm = format_of(t);
  const uint8_t sign = std::signbit(f) ? 0x80 : 0;
  const uint8_t nan = 0x7F;                       // E5M2: 0.11111.11, E4M3FN: 0.1111.111
  const uint8_t inf = 0x7C;                       // E5M2 only
  const int max_exp = fm.has_inf ? 30 : 15;       // the largest finite value's exponent field
  const uint8_t max_code = static_cast<uint8_t>((max_exp << fm.mbits) | (fm.has_inf ? 3 : 6));
  if (std::isnan(f)) return nan;
  double v = std::fabs(static_cast<double>(f));
  auto overflow = [&]() -> uint8_t {
    if (saturate) return sign | max_code;
    return fm.has_inf ? (sign | inf) : (sign | nan);
  };
  if (std::isinf(f)) return overflow();
  if (v == 0) return sign;
  const int emin = 1 - fm.bias;  // exponent of the smallest normal
  int e = std::max(static_cast<int>(std::floor(std::log2(v))), emin);
  if (!fm.has_inf && e == 8) {
    // E4M3FN's top binade [256, 512) as ONNX's reference (and ONNX Runtime)
    // convert it: the truncated mantissa 7 (the NaN code) becomes 6 (448)
    // before rounding, and rounding up from 448 saturates or gives NaN. So
    // [480, 496) gives 448 even without saturation, [464, 480) NaN.
    const double q = v / 32.0;
    const int truncated = static_cast<int>(q);
    const double frac = q - truncated;
    int mant = truncated == 15 ? 14 : truncated;
    if (frac > 0.5 || (frac == 0.5 && (truncated & 1))) {
      if (mant < 14) ++mant;
      else if (!saturate) return sign | nan;
    }
    return static_cast<uint8_t>(sign | (15 << 3) | (mant - 8));
  }
  if (!fm.has_inf && e > 8) return overflow();
  const double quantum = std::ldexp(1.0, e - fm.mbits);
  const double r = std::nearbyint(v / quantum) * quantum;  // ties to even (default rounding mode)
  if (r > fm.max) return overflow();
  if (r == 0) return sign;
  const int er = std::max(static_cast<int>(std::floor(std::log2(r))), emin);
  const bool normal = r >= std::ldexp(1.0, emin);
  const int exp_field = normal ? er + fm.bias : 0;
  const int mant = normal ? static_cast<int>(r / std::ldexp(1.0, er - fm.mbits)) - (1 << fm.mbits)
                          : static_cast<int>(r / std::ldexp(1.0, emin - fm.mbits));
  return static_cast<uint8_t>(sign | (exp_field << fm.mbits) | mant);
}

float f8_to_f32(uint8_t b, DType t) {
  const F8Format fm = format_of(t);
  const bool neg = b & 0x80;
  const int exp_field = (b & 0x7F) >> fm.mbits, mant = b & ((1 << fm.mbits) - 1);
  const int exp_all = fm.has_inf ? 31 : 15;
  double v;
  if (fm.has_inf && exp_field == exp_all) v = mant ? NAN : INFINITY;
  else if (!fm.has_inf && exp_field == exp_all && mant == 7) v = NAN;
  else if (exp_field == 0) v = std::ldexp(mant, 1 - fm.bias - fm.mbits);
  else v = std::ldexp((1 << fm.mbits) + mant, exp_field - fm.bias - fm.mbits);
  return static_cast<float>(neg ? -v : v);
}

}  // namespace segrt
