// Tensor storage, dtype table and element conversions.
#include "segrt/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/parallel.h"
#include "core/uninitialized.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define SEGRT_HAVE_F16C_PATH 1
#endif

namespace segrt {

namespace {
struct DTypeInfo {
  DType t;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::f32, "float32", 4}, {DType::f16, "float16", 2}, {DType::bf16, "bfloat16", 2},
    {DType::f64, "float64", 8}, {DType::i64, "int64", 8},   {DType::i32, "int32", 4},
    {DType::i8, "int8", 1},     {DType::u8, "uint8", 1},    {DType::boolean, "bool", 1},
    {DType::f8e4m3fn, "float8e4m3fn", 1}, {DType::f8e5m2, "float8e5m2", 1},
};
}  // namespace

const char* dtype_name(DType t) { return kDTypes[static_cast<int>(t)].name; }
size_t dtype_size(DType t) { return kDTypes[static_cast<int>(t)].size; }
bool dtype_is_float(DType t) {
  return t == DType::f32 || t == DType::f16 || t == DType::bf16 || t == DType::f64 || t == DType::f8e4m3fn ||
         t == DType::f8e5m2;
}
bool dtype_from_name(const std::string& name, DType* out) {
  for (const auto& d : kDTypes)
    if (name == d.name) {
      *out = d.t;
      return true;
    }
  return false;
}

const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Plain: return "plain";
    case Layout::NCHW: return "NCHW";
    case Layout::NHWC: return "NHWC";
  }
  return "?";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d == 0) return 0;
  }
  for (int64_t d : s)
    // Shapes come from model files: a product past 2^63 is a hostile or broken model, not a wrap-around.
    if (__builtin_mul_overflow(n, d, &n)) SEGRT_FAIL(InvalidModel, "shape ", shape_str(s), " has more than 2^63 elements");
  return n;
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ",";
    r += s[i] < 0 ? std::string("?") : std::to_string(s[i]);
  }
  return r + "]";
}

Tensor::Tensor(DType dtype, Shape shape, Layout layout)
    : dtype_(dtype), shape_(std::move(shape)), layout_(layout) {
  for (int64_t d : shape_)
    SEGRT_CHECK(d >= 0, InvalidInput, "tensor dimension must be known and >= 0, got ",
                shape_str(shape_));
  // No tensor may claim more than 2^48 bytes (256 TiB): larger claims come
  // from broken shapes, and their byte counts must not wrap around.
  uint64_t elems = static_cast<uint64_t>(numel());
  SEGRT_CHECK(elems <= (uint64_t{1} << 48) / dtype_size(dtype), InvalidInput, "a ", dtype_name(dtype),
              " tensor of shape ", shape_str(shape_), " is impossibly large");
  size_t bytes = nbytes();
  // Round up so that aligned_alloc's size contract holds and empty tensors still own a buffer.
  size_t alloc = (bytes + 63) / 64 * 64;
  if (alloc == 0) alloc = 64;
  void* p = std::aligned_alloc(64, alloc);
  if (!p)
    SEGRT_FAIL(OutOfMemory, "cannot allocate ", bytes, " bytes for a ", dtype_name(dtype),
               " tensor of shape ", shape_str(shape_));
  std::memset(p, 0, alloc);
  buf_ = std::shared_ptr<uint8_t>(static_cast<uint8_t*>(p), [](uint8_t* q) { std::free(q); });
}

Tensor Tensor::wrap(void* data, DType dtype, Shape shape, std::shared_ptr<void> owner, Layout layout) {
  for (int64_t d : shape) SEGRT_CHECK(d >= 0, InvalidInput, "tensor dimension must be known and >= 0, got ", shape_str(shape));
  SEGRT_CHECK(data != nullptr || shape_numel(shape) == 0, InvalidInput, "Tensor::wrap of a null pointer");
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.layout_ = layout;
  // Aliasing constructor: shares `owner`'s lifetime, points at `data`.
  t.buf_ = std::shared_ptr<uint8_t>(std::move(owner), static_cast<uint8_t*>(data));
  return t;
}

namespace {
template <class T>
Tensor tensor_of_values(DType dtype, const std::vector<T>& v, Shape shape, const char* caller) {
  Tensor t(dtype, std::move(shape));
  SEGRT_CHECK(static_cast<int64_t>(v.size()) == t.numel(), Internal, caller, ": ", v.size(), " values for shape ",
              shape_str(t.shape()));
  if (!v.empty()) std::memcpy(t.raw(), v.data(), v.size() * sizeof(T));  // an empty tensor's storage may be null
  return t;
}
}  // namespace

Tensor Tensor::from_vector(const std::vector<float>& v, Shape shape) {
  return tensor_of_values(DType::f32, v, std::move(shape), "from_vector");
}

Tensor Tensor::from_i64(const std::vector<int64_t>& v, Shape shape) {
  return tensor_of_values(DType::i64, v, std::move(shape), "from_i64");
}

Tensor Tensor::scalar_f32(float v) { return from_vector({v}, {}); }

void Tensor::check_dtype(DType want) const {
  SEGRT_CHECK(dtype_ == want, Internal, "tensor holds ", dtype_name(dtype_), ", accessed as ",
              dtype_name(want));
}

uint16_t* Tensor::data_u16() {
  SEGRT_CHECK(dtype_ == DType::f16 || dtype_ == DType::bf16, Internal, "data_u16 on ",
              dtype_name(dtype_));
  return static_cast<uint16_t*>(raw());
}
const uint16_t* Tensor::data_u16() const { return const_cast<Tensor*>(this)->data_u16(); }

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_, layout_);
  if (nbytes()) std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

Tensor Tensor::reshaped(Shape s) const {
  SEGRT_CHECK(shape_numel(s) == numel(), Internal, "reshape ", shape_str(shape_), " to ",
              shape_str(s));
  Tensor t = *this;
  t.shape_ = std::move(s);
  t.layout_ = Layout::Plain;
  return t;
}

namespace {
double load_f64(DType t, const void* p, int64_t i) {
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
    case DType::f8e4m3fn: case DType::f8e5m2: return f8_to_f32(static_cast<const uint8_t*>(p)[i], t);
  }
  return 0;
}

int64_t load_i64(DType t, const void* p, int64_t i) {
  switch (t) {
    case DType::i64: return static_cast<const int64_t*>(p)[i];
    case DType::i32: return static_cast<const int32_t*>(p)[i];
    case DType::i8: return static_cast<const int8_t*>(p)[i];
    case DType::u8: return static_cast<const uint8_t*>(p)[i];
    case DType::boolean: return static_cast<const uint8_t*>(p)[i] ? 1 : 0;
    default: return static_cast<int64_t>(load_f64(t, p, i));  // truncation, as C casts do
  }
}

void store_f64(DType t, void* p, int64_t i, double v) {  // float and bool targets
  switch (t) {
    case DType::f32: static_cast<float*>(p)[i] = static_cast<float>(v); break;
    case DType::f16: static_cast<uint16_t*>(p)[i] = f32_to_f16(static_cast<float>(v)); break;
    case DType::bf16: static_cast<uint16_t*>(p)[i] = f32_to_bf16(static_cast<float>(v)); break;
    case DType::f64: static_cast<double*>(p)[i] = v; break;
    // Cast's default (saturate = 1); QuantizeLinear with saturate = 0 converts itself.
    case DType::f8e4m3fn: case DType::f8e5m2: static_cast<uint8_t*>(p)[i] = f32_to_f8(static_cast<float>(v), t); break;
    default: static_cast<uint8_t*>(p)[i] = v != 0 ? 1 : 0; break;  // bool
  }
}

void store_int(DType t, void* p, int64_t i, int64_t v) {  // modular since C++20
  switch (t) {
    case DType::i64: static_cast<int64_t*>(p)[i] = v; break;
    case DType::i32: static_cast<int32_t*>(p)[i] = static_cast<int32_t>(v); break;
    case DType::i8: static_cast<int8_t*>(p)[i] = static_cast<int8_t>(v); break;
    default: static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>(v); break;  // u8
  }
}
}  // namespace

#ifdef SEGRT_HAVE_F16C_PATH
namespace {
// float32 -> float16 eight at a time with the F16C instruction: round to
// nearest even, overflow to infinity, subnormals, exactly as f32_to_f16 (the
// whole float32 range was compared once; tests/core/tensor_test.cpp keeps a
// sample). NaNs keep f32_to_f16's canonical quiet NaN (the instruction would
// keep payload bits), so a block holding one goes through the scalar formula.
__attribute__((target("avx,f16c"))) int64_t f32_to_f16_f16c(const float* s, uint16_t* d, int64_t begin, int64_t end) {
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    __m256 v = _mm256_loadu_ps(s + i);
    if (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q))) {
      for (int k = 0; k < 8; ++k) d[i + k] = f32_to_f16(s[i + k]);
      continue;
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  return i;
}
// F16C from CPUID leaf 1 (clang 14 has no "f16c" for __builtin_cpu_supports);
// "avx" also checks that the OS saves the YMM registers.
bool have_f16c() {
  static const bool yes = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __builtin_cpu_supports("avx") && __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
  }();
  return yes;
}
}  // namespace
#endif

void cast_elements(DType from, const void* src, DType to, void* dst, int64_t begin, int64_t end) {
  // An empty range touches nothing: its pointers may be null (an empty
  // std::vector's data(), fuzz_serve_grpc), which memcpy must not be given.
  if (begin >= end) return;
  const bool int_target = !dtype_is_float(to) && to != DType::boolean;
  // The float pairs weights go through at compile time (31 M-parameter nets),
  // without the per-element dispatch: the same values (float -> double is exact).
  if (from == DType::f32 && (to == DType::f16 || to == DType::bf16 || to == DType::f32)) {
    const float* s = static_cast<const float*>(src);
    if (to == DType::f32) {
      std::memcpy(static_cast<float*>(dst) + begin, s + begin, static_cast<size_t>(end - begin) * sizeof(float));
      return;
    }
    uint16_t* d = static_cast<uint16_t*>(dst);
#ifdef SEGRT_HAVE_F16C_PATH
    if (to == DType::f16 && have_f16c()) begin = f32_to_f16_f16c(s, d, begin, end);
#endif
    if (to == DType::f16)
      for (int64_t i = begin; i < end; ++i) d[i] = f32_to_f16(s[i]);
    else
      for (int64_t i = begin; i < end; ++i) d[i] = f32_to_bf16(s[i]);
    return;
  }
  if ((from == DType::f16 || from == DType::bf16) && to == DType::f32) {
    const uint16_t* s = static_cast<const uint16_t*>(src);
    float* d = static_cast<float*>(dst);
    if (from == DType::f16)
      for (int64_t i = begin; i < end; ++i) d[i] = f16_to_f32(s[i]);
    else
      for (int64_t i = begin; i < end; ++i) d[i] = bf16_to_f32(s[i]);
    return;
  }
  if (!int_target) {
    for (int64_t i = begin; i < end; ++i) store_f64(to, dst, i, load_f64(from, src, i));
  } else if (dtype_is_float(from)) {
    // Truncate toward zero and saturate (NaN -> 0): a plain C++ conversion would be undefined.
    double lo = -9.2e18, hi = 9.2e18;  // int64: inside its exact double range
    if (to == DType::i32) lo = -2147483648.0, hi = 2147483647.0;
    if (to == DType::i8) lo = -128, hi = 127;
    if (to == DType::u8) lo = 0, hi = 255;
    for (int64_t i = begin; i < end; ++i) {
      const double v = load_f64(from, src, i);
      store_int(to, dst, i, std::isnan(v) ? 0 : static_cast<int64_t>(std::clamp(std::trunc(v), lo, hi)));
    }
  } else {
    for (int64_t i = begin; i < end; ++i) store_int(to, dst, i, load_i64(from, src, i));
  }
}

// On the caller's thread: at run time (outputs, host fallbacks) the cores
// belong to the caller's other work (Options::threads, a server's requests).
// Weights cast once at compile time use cast_bulk (core/parallel.h).
Tensor Tensor::cast(DType to) const {
  if (to == dtype_) return *this;
  Tensor r = uninitialized_tensor(to, shape_, layout_);  // cast_elements writes every element
  cast_elements(dtype_, raw(), to, r.raw(), 0, numel());
  return r;
}

Tensor cast_bulk(const Tensor& t, DType to) {
  if (to == t.dtype()) return t;
  Tensor r = uninitialized_tensor(to, t.shape(), t.layout());
  parallel_ranges(t.numel(), int64_t{1} << 20,
                  [&](int64_t b, int64_t e) { cast_elements(t.dtype(), t.raw(), to, r.raw(), b, e); });
  return r;
}

Tensor Tensor::to_f32() const { return cast(DType::f32); }

std::vector<int64_t> Tensor::to_i64_vector() const {
  std::vector<int64_t> v(static_cast<size_t>(numel()));
  for (int64_t i = 0; i < numel(); ++i) v[i] = load_i64(dtype_, raw(), i);
  return v;
}

std::vector<double> Tensor::to_f64_vector() const {
  std::vector<double> v(static_cast<size_t>(numel()));
  for (int64_t i = 0; i < numel(); ++i) v[i] = load_f64(dtype_, raw(), i);
  return v;
}

// --- half precision -------------------------------------------------------

uint16_t f32_to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t mant = x & 0x7fffffu;
  int exp = static_cast<int>((x >> 23) & 0xff);
  if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0));
  exp = exp - 127 + 15;
  if (exp >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
  if (exp <= 0) {                                                  // subnormal or zero
    if (exp < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - exp);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1))) ++half;  // may carry into exponent: correct
  return static_cast<uint16_t>(half);
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t x;
  if (exp == 0) {
    if (mant == 0) {
      x = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400u));
      x = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 0x1f) {
    x = sign | 0x7f800000u | (mant << 13);
  } else {
    x = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint16_t f32_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);  // NaN
  uint32_t rounding = 0x7fffu + ((x >> 16) & 1);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

float bf16_to_f32(uint16_t b) {
  uint32_t x = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

}  // namespace segrt
