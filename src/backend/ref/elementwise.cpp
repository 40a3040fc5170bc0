// Reference elementwise kernels: every activation of ops.def through
// Activation (the formulas fused paths and the CUDA kernels use) and broadcasting binary arithmetic.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "ir/activation.h"

namespace segrt::ref {

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  auto in_st = row_major_strides(in);
  size_t off = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) st[d + off] = in[d] == 1 ? 0 : in_st[d];
  return st;
}

namespace {

// Neg, Abs and Clip on integer tensors: exact int64 arithmetic (an absent Clip bound is unbounded).
void integer_activation(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  if (n.op == OpType::Clip && in.size() > 1 && in[1]) lo = in[1]->to_i64_vector().at(0);
  if (n.op == OpType::Clip && in.size() > 2 && in[2]) hi = in[2]->to_i64_vector().at(0);
  auto v = in[0]->to_i64_vector();
  for (auto& x : v)
    x = n.op == OpType::Neg ? -x : n.op == OpType::Abs ? (x < 0 ? -x : x) : std::min(std::max(x, lo), hi);
  out[0] = Tensor::from_i64(v, in[0]->shape()).cast(out[0].dtype());
}

// Activations: attributes are read into an Activation once per node.
void activation_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  if (!dtype_is_float(in[0]->dtype())) return integer_activation(n, in, out);
  Activation a = Activation::from_attrs(n.op, n.attrs);
  if (n.op == OpType::Clip) {  // bounds are (optional) inputs
    if (in.size() > 1 && in[1]) a.alpha = static_cast<float>(in[1]->to_f64_vector().at(0));
    if (in.size() > 2 && in[2]) a.beta = static_cast<float>(in[2]->to_f64_vector().at(0));
  }
  Tensor x = in[0]->to_f32();
  Tensor y(DType::f32, x.shape());
  const float* px = x.data<float>();
  float* py = y.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) py[i] = a(px[i]);
  out[0] = y.cast(out[0].dtype());
}

double apply_binary(OpType op, double a, double b, bool is_int) {
  switch (op) {
    case OpType::Add: case OpType::Sum: return a + b;
    case OpType::Sub: return a - b;
    case OpType::Mul: return a * b;
    case OpType::Div: return is_int ? std::trunc(a / b) : a / b;
    case OpType::Pow: return std::pow(a, b);
    case OpType::Max: return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
    case OpType::Min: return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
    case OpType::PRelu: return a >= 0 ? a : a * b;
    default: SEGRT_FAIL(Internal, "not a binary op");
  }
}

// Binary and variadic ops fold left over their inputs, in double precision,
// then round once to the output type (so float32 results are correctly rounded
// for + - * /, which is what the other backends are held to).
void binary_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& os = out[0].shape();
  int64_t total = out[0].numel();
  bool is_int = !dtype_is_float(out[0].dtype());
  std::vector<double> acc(static_cast<size_t>(total));
  auto first = in[0]->to_f64_vector();
  auto st0 = broadcast_strides(in[0]->shape(), os);
  for (int64_t i = 0; i < total; ++i) acc[i] = first[broadcast_offset(i, os, st0)];
  for (size_t k = 1; k < in.size(); ++k) {
    auto v = in[k]->to_f64_vector();
    auto st = broadcast_strides(in[k]->shape(), os);
    for (int64_t i = 0; i < total; ++i) acc[i] = apply_binary(n.op, acc[i], v[broadcast_offset(i, os, st)], is_int);
  }
  Tensor r(DType::f64, os);
  std::copy(acc.begin(), acc.end(), r.data<double>());
  if (is_int && out[0].dtype() == DType::i64) {  // exact for large int64 values too
    auto a = in[0]->to_i64_vector();
    bool exact = n.op == OpType::Add || n.op == OpType::Sub || n.op == OpType::Mul || n.op == OpType::Sum;
    if (exact && in.size() == 2) {
      auto b = in[1]->to_i64_vector();
      auto sb = broadcast_strides(in[1]->shape(), os);
      int64_t* p = out[0].data<int64_t>();
      for (int64_t i = 0; i < total; ++i) {
        int64_t x = a[broadcast_offset(i, os, st0)], y = b[broadcast_offset(i, os, sb)];
        p[i] = n.op == OpType::Sub ? x - y : n.op == OpType::Mul ? x * y : x + y;
      }
      return;
    }
  }
  Activation act = Activation::from_fused_attrs(n.attrs);  // written by the fuse_activation pass
  if (!act.none())
    for (auto& x : acc) x = act(static_cast<float>(x));
  std::copy(acc.begin(), acc.end(), r.data<double>());
  out[0] = r.cast(out[0].dtype());
}

const bool activations_registered = register_for_activations(register_kernel, activation_kernel);

}  // namespace

SEGRT_REF_KERNEL(Add, binary_kernel);
SEGRT_REF_KERNEL(Sub, binary_kernel);
SEGRT_REF_KERNEL(Mul, binary_kernel);
SEGRT_REF_KERNEL(Div, binary_kernel);
SEGRT_REF_KERNEL(Pow, binary_kernel);
SEGRT_REF_KERNEL(Max, binary_kernel);
SEGRT_REF_KERNEL(Min, binary_kernel);
SEGRT_REF_KERNEL(Sum, binary_kernel);
SEGRT_REF_KERNEL(PRelu, binary_kernel);

}  // namespace segrt::ref
