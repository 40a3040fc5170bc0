// Reference kernels for ONNX elementwise math that is not an activation:
// unary math in double (rounded once to the output type), predicates,
// comparisons and logic (bool results), Mod, BitShift, Mean, Where, CastLike.
// Integer operands are compared and combined as int64, so large values stay exact.
#include <cmath>
#include <cstring>

#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/store.h"

namespace segrt::ref {

namespace {

double unary_math(OpType op, double x, const Attrs& a) {
  switch (op) {
    case OpType::Floor: return std::floor(x);
    case OpType::Ceil: return std::ceil(x);
    case OpType::Round: return std::nearbyint(x);  // half to even (default rounding mode)
    case OpType::Sign: return x > 0 ? 1.0 : x < 0 ? -1.0 : x;
    case OpType::Reciprocal: return 1.0 / x;
    case OpType::Log: return std::log(x);
    case OpType::Sin: return std::sin(x);
    case OpType::Cos: return std::cos(x);
    case OpType::Tan: return std::tan(x);
    case OpType::Asin: return std::asin(x);
    case OpType::Acos: return std::acos(x);
    case OpType::Atan: return std::atan(x);
    case OpType::Sinh: return std::sinh(x);
    case OpType::Cosh: return std::cosh(x);
    case OpType::Asinh: return std::asinh(x);
    case OpType::Acosh: return std::acosh(x);
    case OpType::Atanh: return std::atanh(x);
    case OpType::Shrink: {
      const double lambd = a.f("lambd", 0.5), bias = a.f("bias", 0.0);
      return x < -lambd ? x + bias : x > lambd ? x - bias : 0.0;
    }
    default: SEGRT_FAIL(Internal, "not a unary math op");
  }
}

void unary_math_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto x = in[0]->to_f64_vector();
  for (double& v : x) v = unary_math(n.op, v, n.attrs);
  store_f64(out[0], x);
}

uint8_t* bools(Tensor& t) { return static_cast<uint8_t*>(t.raw()); }

void predicate_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  auto x = in[0]->to_f64_vector();
  const bool pos = n.attrs.i("detect_positive", 1) != 0, neg = n.attrs.i("detect_negative", 1) != 0;
  uint8_t* y = bools(out[0]);
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = n.op == OpType::IsNaN ? std::isnan(x[i]) : std::isinf(x[i]) && (x[i] > 0 ? pos : neg);
}

void not_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const uint8_t* x = static_cast<const uint8_t*>(in[0]->raw());
  for (int64_t i = 0; i < out[0].numel(); ++i) bools(out[0])[i] = !x[i];
}

// Calls f(i, offset in a, offset in b) for every flat output index i.
template <class F>
void for_each_broadcast(const Tensor& a, const Tensor& b, const Shape& os, F f) {
  auto sa = broadcast_strides(a.shape(), os), sb = broadcast_strides(b.shape(), os);
  for (int64_t i = 0; i < shape_numel(os); ++i) f(i, broadcast_offset(i, os, sa), broadcast_offset(i, os, sb));
}

template <class T>
bool compare(OpType op, T a, T b) {
  switch (op) {
    case OpType::Equal: return a == b;
    case OpType::Less: return a < b;
    case OpType::LessOrEqual: return a <= b;
    case OpType::Greater: return a > b;
    case OpType::GreaterOrEqual: return a >= b;
    case OpType::And: return a && b;
    case OpType::Or: return a || b;
    case OpType::Xor: return (a != 0) != (b != 0);
    default: SEGRT_FAIL(Internal, "not a comparison");
  }
}

void compare_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  uint8_t* y = bools(out[0]);
  if (dtype_is_float(in[0]->dtype())) {
    auto a = in[0]->to_f64_vector(), b = in[1]->to_f64_vector();
    for_each_broadcast(*in[0], *in[1], out[0].shape(),
                       [&](int64_t i, int64_t ia, int64_t ib) { y[i] = compare(n.op, a[ia], b[ib]); });
  } else {
    auto a = in[0]->to_i64_vector(), b = in[1]->to_i64_vector();
    for_each_broadcast(*in[0], *in[1], out[0].shape(),
                       [&](int64_t i, int64_t ia, int64_t ib) { y[i] = compare(n.op, a[ia], b[ib]); });
  }
}

// Integer Mod follows the divisor's sign (Python), fmod=1 the dividend's (C).
int64_t int_mod(int64_t a, int64_t b, bool c_style) {
  SEGRT_CHECK(b != 0, InvalidInput, "Mod by zero");
  int64_t r = a % b;
  if (!c_style && r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

void mod_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& os = out[0].shape();
  if (dtype_is_float(in[0]->dtype())) {
    auto a = in[0]->to_f64_vector(), b = in[1]->to_f64_vector();
    std::vector<double> y(static_cast<size_t>(shape_numel(os)));
    for_each_broadcast(*in[0], *in[1], os, [&](int64_t i, int64_t ia, int64_t ib) { y[i] = std::fmod(a[ia], b[ib]); });
    return store_f64(out[0], y);
  }
  const bool c_style = n.attrs.i("fmod", 0) != 0;
  auto a = in[0]->to_i64_vector(), b = in[1]->to_i64_vector();
  std::vector<int64_t> y(static_cast<size_t>(shape_numel(os)));
  for_each_broadcast(*in[0], *in[1], os,
                     [&](int64_t i, int64_t ia, int64_t ib) { y[i] = int_mod(a[ia], b[ib], c_style); });
  out[0] = Tensor::from_i64(y, os).cast(out[0].dtype());
}

void bitshift_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const bool left = n.attrs.s("direction", "") == "LEFT";
  const uint8_t* a = static_cast<const uint8_t*>(in[0]->raw());
  const uint8_t* b = static_cast<const uint8_t*>(in[1]->raw());
  uint8_t* y = static_cast<uint8_t*>(out[0].raw());
  for_each_broadcast(*in[0], *in[1], out[0].shape(), [&](int64_t i, int64_t ia, int64_t ib) {
    y[i] = b[ib] >= 8 ? 0 : static_cast<uint8_t>(left ? a[ia] << b[ib] : a[ia] >> b[ib]);
  });
}

void mean_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& os = out[0].shape();
  std::vector<double> acc(static_cast<size_t>(shape_numel(os)), 0.0);
  for (const Tensor* t : in) {
    auto v = t->to_f64_vector();
    auto st = broadcast_strides(t->shape(), os);
    for (size_t i = 0; i < acc.size(); ++i) acc[i] += v[broadcast_offset(static_cast<int64_t>(i), os, st)];
  }
  for (double& v : acc) v /= static_cast<double>(in.size());
  store_f64(out[0], acc);
}

// Where copies elements as bytes, so every element type is exact.
void where_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& os = out[0].shape();
  const size_t es = dtype_size(out[0].dtype());
  auto sc = broadcast_strides(in[0]->shape(), os), sx = broadcast_strides(in[1]->shape(), os),
       sy = broadcast_strides(in[2]->shape(), os);
  const uint8_t* cond = static_cast<const uint8_t*>(in[0]->raw());
  const char* x = static_cast<const char*>(in[1]->raw());
  const char* y = static_cast<const char*>(in[2]->raw());
  char* o = static_cast<char*>(out[0].raw());
  for (int64_t i = 0; i < out[0].numel(); ++i) {
    const char* src = cond[broadcast_offset(i, os, sc)] ? x + broadcast_offset(i, os, sx) * es
                                                        : y + broadcast_offset(i, os, sy) * es;
    std::memcpy(o + i * es, src, es);
  }
}

void cast_like_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  out[0] = in[0]->cast(out[0].dtype());
}

}  // namespace

SEGRT_REF_KERNEL(Floor, unary_math_kernel);
SEGRT_REF_KERNEL(Ceil, unary_math_kernel);
SEGRT_REF_KERNEL(Round, unary_math_kernel);
SEGRT_REF_KERNEL(Sign, unary_math_kernel);
SEGRT_REF_KERNEL(Reciprocal, unary_math_kernel);
SEGRT_REF_KERNEL(Log, unary_math_kernel);
SEGRT_REF_KERNEL(Sin, unary_math_kernel);
SEGRT_REF_KERNEL(Cos, unary_math_kernel);
SEGRT_REF_KERNEL(Tan, unary_math_kernel);
SEGRT_REF_KERNEL(Asin, unary_math_kernel);
SEGRT_REF_KERNEL(Acos, unary_math_kernel);
SEGRT_REF_KERNEL(Atan, unary_math_kernel);
SEGRT_REF_KERNEL(Sinh, unary_math_kernel);
SEGRT_REF_KERNEL(Cosh, unary_math_kernel);
SEGRT_REF_KERNEL(Asinh, unary_math_kernel);
SEGRT_REF_KERNEL(Acosh, unary_math_kernel);
SEGRT_REF_KERNEL(Atanh, unary_math_kernel);
SEGRT_REF_KERNEL(Shrink, unary_math_kernel);
SEGRT_REF_KERNEL(IsNaN, predicate_kernel);
SEGRT_REF_KERNEL(IsInf, predicate_kernel);
SEGRT_REF_KERNEL(Not, not_kernel);
SEGRT_REF_KERNEL(Mod, mod_kernel);
SEGRT_REF_KERNEL(BitShift, bitshift_kernel);
SEGRT_REF_KERNEL(Mean, mean_kernel);
SEGRT_REF_KERNEL(Equal, compare_kernel);
SEGRT_REF_KERNEL(Less, compare_kernel);
SEGRT_REF_KERNEL(LessOrEqual, compare_kernel);
SEGRT_REF_KERNEL(Greater, compare_kernel);
SEGRT_REF_KERNEL(GreaterOrEqual, compare_kernel);
SEGRT_REF_KERNEL(And, compare_kernel);
SEGRT_REF_KERNEL(Or, compare_kernel);
SEGRT_REF_KERNEL(Xor, compare_kernel);
SEGRT_REF_KERNEL(Where, where_kernel);
SEGRT_REF_KERNEL(CastLike, cast_like_kernel);

}  // namespace segrt::ref
