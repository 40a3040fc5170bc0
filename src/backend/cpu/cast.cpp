// Cast on plain data as an own parallel loop with the reference's exact
// conversion rules (backend/ref/cast.cpp, Tensor::cast): float and bool
// targets go through double (float16 / bfloat16 round to nearest even);
// integer targets from floats truncate toward zero and saturate (NaN -> 0),
// from integers wrap modulo 2^bits. oneDNN's reorder rounds float -> int to
// nearest, so it is not used.
#include <algorithm>
#include <cmath>

#include "backend/cpu/cpu.h"

namespace segrt::cpu {

namespace {

double load(DType t, const void* p, int64_t i) {
  switch (t) {
    case DType::f32: return static_cast<const float*>(p)[i];
    case DType::f16: return f16_to_f32(static_cast<const uint16_t*>(p)[i]);
    case DType::bf16: return bf16_to_f32(static_cast<const uint16_t*>(p)[i]);
    case DType::f64: return static_cast<const double*>(p)[i];
    case DType::i64: return static_cast<double>(static_cast<const int64_t*>(p)[i]);
    case DType::i32: return static_cast<const int32_t*>(p)[i];
    case DType::i8: return static_cast<const int8_t*>(p)[i];
    case DType::u8: return static_cast<const uint8_t*>(p)[i];
    case DType::boolean: return static_cast<const uint8_t*>(p)[i] ? 1.0 : 0.0;
  }
  return 0;
}

int64_t load_int(DType t, const void* p, int64_t i) {  // integer and bool sources
  switch (t) {
    case DType::i64: return static_cast<const int64_t*>(p)[i];
    case DType::i32: return static_cast<const int32_t*>(p)[i];
    case DType::i8: return static_cast<const int8_t*>(p)[i];
    case DType::u8: return static_cast<const uint8_t*>(p)[i];
    default: return static_cast<const uint8_t*>(p)[i] ? 1 : 0;  // bool
  }
}

void store(DType t, void* p, int64_t i, double v) {  // float and bool targets
  switch (t) {
    case DType::f32: static_cast<float*>(p)[i] = static_cast<float>(v); break;
    case DType::f16: static_cast<uint16_t*>(p)[i] = f32_to_f16(static_cast<float>(v)); break;
    case DType::bf16: static_cast<uint16_t*>(p)[i] = f32_to_bf16(static_cast<float>(v)); break;
    case DType::f64: static_cast<double*>(p)[i] = v; break;
    default: static_cast<uint8_t*>(p)[i] = v != 0 ? 1 : 0; break;  // bool
  }
}

void store_int(DType t, void* p, int64_t i, int64_t v) {  // modular (C++20)
  switch (t) {
    case DType::i64: static_cast<int64_t*>(p)[i] = v; break;
    case DType::i32: static_cast<int32_t*>(p)[i] = static_cast<int32_t>(v); break;
    case DType::i8: static_cast<int8_t*>(p)[i] = static_cast<int8_t>(v); break;
    default: static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>(v); break;  // u8
  }
}

bool lower_cast(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const DType from = g.value(x).dtype, to = g.value(y).dtype;
  const bool int_target = !dtype_is_float(to) && to != DType::boolean;
  if (int_target && to != DType::i64 && to != DType::i32 && to != DType::i8 && to != DType::u8)
    return *why = std::string("Cast to ") + dtype_name(to), false;
  if (g.value(x).is_constant()) return *why = "constant input", false;
  // Saturation bounds of float -> integer casts (int64: inside its exact double range).
  double lo = -9.2e18, hi = 9.2e18;
  if (to == DType::i32) lo = -2147483648.0, hi = 2147483647.0;
  if (to == DType::i8) lo = -128, hi = 127;
  if (to == DType::u8) lo = 0, hi = 255;
  const bool float_source = dtype_is_float(from);
  const int64_t count = shape_numel(g.value(x).shape);
  int xs = c.as_plain(x);
  c.define(y, c.plain_md(y), false);
  Step st;
  st.name = n.name;
  st.in = {xs};
  st.out = {y};
  st.host = [=](const std::vector<void*>& ptr) {
    const void* s = ptr[xs];
    void* d = ptr[y];
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; ++i) {
      if (!int_target) {
        store(to, d, i, load(from, s, i));
      } else if (float_source) {
        const double v = load(from, s, i);
        store_int(to, d, i, std::isnan(v) ? 0 : static_cast<int64_t>(std::clamp(std::trunc(v), lo, hi)));
      } else {
        store_int(to, d, i, load_int(from, s, i));
      }
    }
  };
  c.add(std::move(st));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Cast, lower_cast);

}  // namespace segrt::cpu
