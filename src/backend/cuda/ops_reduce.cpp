// CUDA builders for the reducing ops: ReduceMean (any axes, keepdims) and
// InstanceNormalization (per-sample, per-channel statistics), which read
// their input in whatever format it already has (strides say where each
// logical axis lives), so no layout conversion is inserted for them; and
// LayerNormalization / GroupNormalization, which read dense logical data.
#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/instance_norm.cuh"
#include "backend/cuda/norm_rows.cuh"
#include "backend/cuda/reduce.cuh"
#include "ir/ops/conv_util.h"
#include "ir/ops/reduce_util.h"
#include "ir/shape.h"

namespace segrt::cuda {

namespace {

bool float_io(BuildCtx& c) {
  return dtype_is_float(c.in_value(0).dtype) && dtype_is_float(c.g.value(c.n.outputs[0]).dtype);
}

// Element stride of each logical axis of `logical` stored in format f.
std::vector<int64_t> axis_strides(const Shape& logical, Fmt f) {
  int r = static_cast<int>(logical.size());
  Strides d = dense_view(logical, f);
  std::vector<int64_t> st(r);
  for (int l = 0; l < r; ++l) st[l] = d.in[phys_axis(l, r, f)];
  return st;
}

bool build_reduce_mean(BuildCtx& c) {
  if (!float_io(c)) return false;
  const Shape& xs = c.in_value(0).shape;
  int r = static_cast<int>(xs.size());
  if (r > kMaxDims) return false;
  std::vector<char> red = reduced_axes(c.n.attrs, r);
  Fmt f = c.input_fmt(0);
  int x = c.input(0, f);
  auto st = axis_strides(xs, f);
  ReduceView v;
  for (int l = 0; l < r; ++l) {
    Strides& s = red[l] ? v.reduced : v.kept;
    s.dims[s.rank] = xs[l];
    s.in[s.rank] = st[l];
    ++s.rank;
  }
  // The kept axes in logical order are the output's, dense: with or without
  // keepdims (size-1 axes) the bytes are the same.
  int y = c.output(0, Fmt::Logical);
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, t, v](cudaStream_t s) { launch_reduce_mean(ex.ptr(x), ex.ptr(y), t, v, s); });
  return true;
}

bool build_instance_norm(BuildCtx& c) {
  if (!float_io(c) || !dtype_is_float(c.in_value(1).dtype) || !dtype_is_float(c.in_value(2).dtype)) return false;
  const Shape& xs = c.in_value(0).shape;
  int r = static_cast<int>(xs.size());
  if (r < 2) return false;
  bool channels_last = is_channels_last(c.n.attrs);
  Fmt f = channels_last ? Fmt::Logical : c.input_fmt(0);
  InstanceNormParams p;
  p.n = xs[0];
  p.c = channels_last ? xs[r - 1] : xs[1];
  p.p = p.n * p.c == 0 ? 0 : shape_numel(xs) / (p.n * p.c);
  p.eps = c.n.attrs.f("epsilon", 1e-5);
  p.sn = p.c * p.p;
  // Channels innermost (an NHWC model, or NCHW data stored NHWC on the device).
  bool c_inner = channels_last || (f == Fmt::Nhwc && r == 4);
  p.sc = c_inner ? 1 : p.p;
  p.sp = c_inner ? p.c : 1;
  int x = c.input(0, f);
  int sc = c.input(1, Fmt::Logical);
  int bi = c.input(2, Fmt::Logical);
  int y = c.output(0, f);
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, sc, bi, t, p](cudaStream_t s) {
    launch_instance_norm(ex.ptr(x), ex.ptr(y), ex.ptr(sc), ex.ptr(bi), t, p, s);
  });
  return true;
}

// Only Y: the optional Mean / InvStdDev outputs (training) stay on the host path.
bool only_first_output(const BuildCtx& c) {
  for (size_t i = 1; i < c.n.outputs.size(); ++i)
    if (c.n.outputs[i] >= 0) return false;
  return true;
}

// Scale and bias one value per normalised element: the kernel indexes them
// by offset in the row; other broadcasts (rare) stay on the host path.
bool build_layer_norm(BuildCtx& c) {
  if (!float_io(c) || !only_first_output(c)) return false;
  const Shape& xs = c.in_value(0).shape;
  int r = static_cast<int>(xs.size());
  int axis = normalize_axis(c.n.attrs.i("axis", -1), r);
  int64_t len = 1;
  for (int d = axis; d < r; ++d) len *= xs[d];
  int64_t rows = len ? shape_numel(xs) / len : 0;
  bool has_bias = c.has_input(2);
  for (int i = 1; i <= (has_bias ? 2 : 1); ++i)
    if (!dtype_is_float(c.in_value(i).dtype) || shape_numel(c.in_value(i).shape) != len) return false;
  int x = c.input(0, Fmt::Logical);
  int sc = c.input(1, Fmt::Logical);
  int bi = has_bias ? c.input(2, Fmt::Logical) : -1;
  int y = c.output(0, Fmt::Logical);
  double eps = c.n.attrs.f("epsilon", 1e-5);
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, sc, bi, t, rows, len, eps](cudaStream_t s) {
    launch_layer_norm(ex.ptr(x), ex.ptr(y), ex.ptr(sc), bi >= 0 ? ex.ptr(bi) : nullptr, t, rows, len, eps, s);
  });
  return true;
}

bool build_group_norm(BuildCtx& c) {
  if (!float_io(c) || !dtype_is_float(c.in_value(1).dtype) || !dtype_is_float(c.in_value(2).dtype)) return false;
  const Shape& xs = c.in_value(0).shape;
  if (xs.size() < 2) return false;
  GroupNormParams p;
  p.n = xs[0];
  p.c = xs[1];
  p.groups = c.n.attrs.i("num_groups", 1);
  p.spatial = p.n * p.c == 0 ? 0 : shape_numel(xs) / (p.n * p.c);
  p.per_group = shape_numel(c.in_value(1).shape) != p.c;  // as the reference tells them apart
  p.eps = c.n.attrs.f("epsilon", 1e-5);
  int x = c.input(0, Fmt::Logical);
  int sc = c.input(1, Fmt::Logical);
  int bi = c.input(2, Fmt::Logical);
  int y = c.output(0, Fmt::Logical);
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, sc, bi, t, p](cudaStream_t s) {
    launch_group_norm(ex.ptr(x), ex.ptr(y), ex.ptr(sc), ex.ptr(bi), t, p, s);
  });
  return true;
}

}  // namespace

SEGRT_CUDA_OP(ReduceMean, build_reduce_mean);
SEGRT_CUDA_OP(InstanceNormalization, build_instance_norm);
SEGRT_CUDA_OP(LayerNormalization, build_layer_norm);
SEGRT_CUDA_OP(GroupNormalization, build_group_norm);

}  // namespace segrt::cuda
