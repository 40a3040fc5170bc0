// CUDA builders for elementwise ops: activations, broadcasting arithmetic
// (with a fused activation on Add), PRelu and inference BatchNormalization.
#include <cmath>

#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/elementwise.cuh"

namespace segrt::cuda {

namespace {

// The format a multi-input elementwise node computes in: Nhwc when its output
// is 4-D and one of its run-time 4-D inputs already is.
Fmt common_fmt(BuildCtx& c) {
  if (c.g.value(c.n.outputs[0]).shape.size() != 4) return Fmt::Logical;
  for (size_t i = 0; i < c.n.inputs.size(); ++i)
    if (c.has_input(static_cast<int>(i)) && !c.in_constant(static_cast<int>(i)) &&
        c.in_value(static_cast<int>(i)).shape.size() == 4 && c.input_fmt(static_cast<int>(i)) == Fmt::Nhwc)
      return Fmt::Nhwc;
  return Fmt::Logical;
}

bool all_float(BuildCtx& c) {
  for (int id : c.n.inputs)
    if (id >= 0 && !dtype_is_float(c.g.value(id).dtype)) return false;
  return dtype_is_float(c.g.value(c.n.outputs[0]).dtype);
}

bool build_unary(BuildCtx& c) {
  if (!all_float(c)) return false;
  Act a = act_of(Activation::from_node(c.g, c.n));
  Fmt f = c.input_fmt(0);
  int x = c.input(0, f);
  int y = c.output(0, f);
  int64_t n = shape_numel(c.g.value(c.n.outputs[0]).shape);
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, n, t, a](cudaStream_t s) { launch_unary(ex.ptr(x), ex.ptr(y), t, n, a, s); });
  return true;
}

BinOp bin_op(OpType op) {
  switch (op) {
    case OpType::Add: case OpType::Sum: return BinOp::Add;
    case OpType::Sub: return BinOp::Sub;
    case OpType::Mul: return BinOp::Mul;
    case OpType::Div: return BinOp::Div;
    case OpType::Pow: return BinOp::Pow;
    case OpType::Max: return BinOp::Max;
    case OpType::Min: return BinOp::Min;
    default: return BinOp::PRelu;
  }
}

// A binary (or variadic, folded left) op: y = act(((x0 op x1) op x2) ...).
bool build_binary(BuildCtx& c) {
  if (!all_float(c)) return false;
  const Shape& os = c.g.value(c.n.outputs[0]).shape;
  if (os.size() > kMaxDims) return false;
  Fmt f = common_fmt(c);
  std::vector<int> ids;
  std::vector<Strides> views;
  for (size_t i = 0; i < c.n.inputs.size(); ++i) {
    const Shape& is = c.in_value(static_cast<int>(i)).shape;
    // A 4-D input is read in the output's format; lower ranks are logical
    // and broadcast (their strides are permuted into the output's order).
    Fmt want = is.size() == 4 ? f : Fmt::Logical;
    ids.push_back(c.input(static_cast<int>(i), want));
    if (is.size() == 4 && f == Fmt::Nhwc) {
      Shape phys{is[0], is[2], is[3], is[1]};
      Shape ophys{os[0], os[2], os[3], os[1]};
      views.push_back(broadcast_view(phys, ophys, Fmt::Logical));
    } else {
      views.push_back(broadcast_view(is, os, f));
    }
  }
  if (ids.size() == 1) ids.push_back(-1);
  Activation fa = Activation::from_fused_attrs(c.n.attrs);
  Act act = act_of(fa);
  int y = c.output(0, f);
  BinOp op = bin_op(c.n.op);
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  Strides yview = broadcast_view(os, os, f);
  int64_t n = shape_numel(os);
  c.step([&ex, ids, views, yview, y, op, t, act, n](cudaStream_t s) {
    if (ids[1] < 0) {  // Sum of one input: a copy (same shape, same format)
      launch_unary(ex.ptr(ids[0]), ex.ptr(y), t, n, act, s);
      return;
    }
    for (size_t k = 1; k < ids.size(); ++k) {
      bool last = k + 1 == ids.size();
      const void* a = k == 1 ? ex.ptr(ids[0]) : ex.ptr(y);
      const Strides& sa = k == 1 ? views[0] : yview;
      launch_binary(op, a, sa, ex.ptr(ids[k]), views[k], ex.ptr(y), t, last ? act : Act{}, s);
    }
  });
  return true;
}

// BatchNormalization (inference): y = x * s + (beta - mean * s), s = gamma / sqrt(var + eps),
// folded into per-channel float32 scale and shift once at compile time.
bool build_batchnorm(BuildCtx& c) {
  if (!all_float(c) || c.n.outputs.size() != 1) return false;
  for (int i = 1; i <= 4; ++i)
    if (!c.in_constant(i)) return false;
  auto gamma = c.in_constant(1)->to_f64_vector(), beta = c.in_constant(2)->to_f64_vector();
  auto mean = c.in_constant(3)->to_f64_vector(), var = c.in_constant(4)->to_f64_vector();
  double eps = c.n.attrs.f("epsilon", 1e-5);
  size_t C = gamma.size();
  std::vector<float> sc(C), sh(C);
  for (size_t k = 0; k < C; ++k) {
    double s = gamma[k] / std::sqrt(var[k] + eps);
    sc[k] = static_cast<float>(s);
    sh[k] = static_cast<float>(beta[k] - mean[k] * s);
  }
  auto& ex = c.ex();
  const float* dsc = static_cast<const float*>(ex.upload(sc.data(), C * sizeof(float)));
  const float* dsh = static_cast<const float*>(ex.upload(sh.data(), C * sizeof(float)));
  const Shape& xs = c.in_value(0).shape;
  bool channels_last = c.n.attrs.s("layout", "NCHW") == "NHWC";
  Fmt f = xs.size() == 4 && !channels_last ? ex.channels_fmt() : Fmt::Logical;
  int x = c.input(0, f);
  int y = c.output(0, f);
  Act act = act_of(Activation::from_fused_attrs(c.n.attrs));
  DevType t = c.compute_dev();
  int64_t total = shape_numel(xs);
  if (f == Fmt::Nhwc || channels_last) {
    int64_t rows = total / static_cast<int64_t>(C);
    c.step([&ex, x, y, rows, C, dsc, dsh, t, act, total](cudaStream_t s) {
      cudaMemcpyAsync(ex.ptr(y), ex.ptr(x), static_cast<size_t>(total) * (t == DevType::f32 ? 4 : 2),
                      cudaMemcpyDeviceToDevice, s);
      launch_channel_affine(ex.ptr(y), rows, static_cast<int64_t>(C), static_cast<int64_t>(C), dsc, dsh, nullptr, t,
                            act, s);
    });
  } else {
    int64_t outer = xs[0], inner = total / (outer * static_cast<int64_t>(C));
    c.step([&ex, x, y, outer, C, inner, dsc, dsh, t, act](cudaStream_t s) {
      launch_channel_affine_nchw(ex.ptr(x), ex.ptr(y), outer, static_cast<int64_t>(C), inner, dsc, dsh, t, act, s);
    });
  }
  return true;
}

const bool activations_registered = register_for_activations(register_builder, build_unary);

}  // namespace

SEGRT_CUDA_OP(Add, build_binary);
SEGRT_CUDA_OP(Sub, build_binary);
SEGRT_CUDA_OP(Mul, build_binary);
SEGRT_CUDA_OP(Div, build_binary);
SEGRT_CUDA_OP(Pow, build_binary);
SEGRT_CUDA_OP(Max, build_binary);
SEGRT_CUDA_OP(Min, build_binary);
SEGRT_CUDA_OP(Sum, build_binary);
SEGRT_CUDA_OP(PRelu, build_binary);

SEGRT_CUDA_OP(BatchNormalization, build_batchnorm);

}  // namespace segrt::cuda
