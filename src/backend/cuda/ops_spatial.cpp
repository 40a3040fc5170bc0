// CUDA builders for Resize, pooling and Pad (own kernels).
#include <cmath>

#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/pad.cuh"
#include "backend/cuda/pool.cuh"
#include "backend/cuda/pool_indices.cuh"
#include "backend/cuda/resize.cuh"
#include "ir/ops/conv_util.h"
#include "ir/ops/pad_util.h"
#include "ir/ops/resize_util.h"

namespace segrt::cuda {

namespace {

bool float_io(BuildCtx& c) {
  return dtype_is_float(c.in_value(0).dtype) && dtype_is_float(c.g.value(c.n.outputs[0]).dtype);
}

// Per-axis taps exactly as the reference computes them (ir/ops/resize_util.h),
// narrowed to the kernel's int / float tables; tap count 0 = outside the crop box.
void axis_taps(const ResizeParams& p, int axis, int64_t len_in, std::vector<int>& idx, std::vector<float>& w,
               std::vector<unsigned char>& n) {
  ResizeAxisTaps t = resize_axis_taps(p, axis, len_in);
  idx.assign(t.index.begin(), t.index.end());
  w.assign(t.weight.begin(), t.weight.end());
  n.assign(t.count.begin(), t.count.end());
}

bool build_resize(BuildCtx& c) {
  // int8 (8-bit skip connections, passes/sink_dequantize.cpp): nearest only, a copy of elements.
  const bool int8 = c.in_value(0).dtype == DType::i8 && c.g.value(c.n.outputs[0]).dtype == DType::i8;
  if (!float_io(c) && !int8) return false;
  if (int8 && (c.n.attrs.s("mode", "nearest") != "nearest" ||
               c.n.attrs.s("coordinate_transformation_mode", "") == "tf_crop_and_resize"))
    return false;
  const Shape& xs = c.in_value(0).shape;
  int r = static_cast<int>(xs.size());
  if (r < 1 || r > 4) return false;
  for (int i = 1; i < 4; ++i)
    if (c.has_input(i) && !c.in_constant(i)) return false;
  ResizeParams p = resize_params(c.n.attrs, xs, c.in_constant(1), c.in_constant(2), c.in_constant(3));
  if (p.mode != "nearest" && p.mode != "linear" && p.mode != "cubic") return false;
  Fmt f = c.input_fmt(0);
  ResizeTables t;
  t.rank = r;
  t.extrapolation = static_cast<float>(p.extrapolation_value);
  auto& ex = c.ex();
  for (int l = 0; l < r; ++l) {
    std::vector<int> idx;
    std::vector<float> w;
    std::vector<unsigned char> n;
    axis_taps(p, l, xs[l], idx, w, n);
    int ph = phys_axis(l, r, f);
    t.in[ph] = xs[l];
    t.out[ph] = p.out[l];
    t.idx[ph] = static_cast<const int*>(ex.upload(idx.data(), idx.size() * sizeof(int)));
    t.w[ph] = static_cast<const float*>(ex.upload(w.data(), w.size() * sizeof(float)));
    t.n[ph] = static_cast<const unsigned char*>(ex.upload(n.data(), n.size()));
  }
  int x = c.input(0, f);
  int y = c.output(0, f);
  DevType dt = int8 ? DevType::i8 : c.compute_dev();
  c.step([&ex, x, y, dt, t](cudaStream_t s) { launch_resize(ex.ptr(x), ex.ptr(y), dt, t, s); });
  return true;
}

// MaxPool with its Indices output (channels-first only, as in ONNX): the
// reference's window walk, 1-D to 3-D, on logical NCHW data.
bool build_maxpool_indices(BuildCtx& c) {
  const Shape& xs = c.in_value(0).shape;
  if (is_channels_last(c.n.attrs) || xs.size() < 3 || xs.size() > 5) return false;
  ConvGeometry w = pool_geometry(c.n.attrs, xs);
  int r = w.rank();
  MaxPoolIdxParams p;
  p.planes = xs[0] * xs[1];
  p.column_major = c.n.attrs.i("storage_order", 0) != 0;
  if (p.column_major && r != 2) return false;  // the reference refuses it too
  for (int a = 0; a < r; ++a) {
    int i = a + 3 - r;  // missing leading axes keep extent 1
    p.in[i] = w.in[a];
    p.out[i] = w.out[a];
    p.k[i] = w.kernel[a];
    p.s[i] = w.strides[a];
    p.d[i] = w.dilations[a];
    p.pad[i] = w.pads[a];
  }
  int x = c.input(0, Fmt::Logical);
  int y = c.output(0, Fmt::Logical);
  int idx = c.output(1, Fmt::Logical);
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, idx, t, p](cudaStream_t s) {
    launch_maxpool_indices(ex.ptr(x), ex.ptr(y), static_cast<int64_t*>(ex.ptr(idx)), t, p, s);
  });
  return true;
}

// MaxPool / AveragePool / GlobalAveragePool / GlobalMaxPool on 4-D tensors;
// MaxPool also on int8 (channels-last, as the int8 convolutions write it).
bool build_pool(BuildCtx& c) {
  const bool int8 = c.in_value(0).dtype == DType::i8 && c.g.value(c.n.outputs[0]).dtype == DType::i8 &&
                    c.n.op == OpType::MaxPool && c.n.outputs.size() == 1;
  if (!float_io(c) && !int8) return false;
  if (c.n.outputs.size() == 2) return c.n.op == OpType::MaxPool && build_maxpool_indices(c);
  if (c.n.outputs.size() != 1) return false;
  const Shape& xs = c.in_value(0).shape;
  const Shape& ys = c.g.value(c.n.outputs[0]).shape;
  if (xs.size() != 4) return false;
  bool nhwc_attr = c.n.attrs.s("layout", "NCHW") == "NHWC";
  // Logical index of N, C, H, W.
  int ci = nhwc_attr ? 3 : 1, hi = nhwc_attr ? 1 : 2, wi = nhwc_attr ? 2 : 3;
  PoolParams p;
  p.n = xs[0];
  p.c = xs[ci];
  p.in_h = xs[hi];
  p.in_w = xs[wi];
  p.out_h = ys[hi];
  p.out_w = ys[wi];
  bool global = c.n.op == OpType::GlobalAveragePool || c.n.op == OpType::GlobalMaxPool;
  p.is_max = c.n.op == OpType::MaxPool || c.n.op == OpType::GlobalMaxPool;
  if (global) {
    p.kh = static_cast<int>(p.in_h);
    p.kw = static_cast<int>(p.in_w);
  } else {
    ConvGeometry w = pool_geometry(c.n.attrs, xs);
    if (w.rank() != 2) return false;
    p.kh = static_cast<int>(w.kernel[0]); p.kw = static_cast<int>(w.kernel[1]);
    p.sh = static_cast<int>(w.strides[0]); p.sw = static_cast<int>(w.strides[1]);
    p.dh = static_cast<int>(w.dilations[0]); p.dw = static_cast<int>(w.dilations[1]);
    p.pad_t = static_cast<int>(w.pads[0]); p.pad_l = static_cast<int>(w.pads[1]);
    p.pad_b = static_cast<int>(w.pads[2]); p.pad_r = static_cast<int>(w.pads[3]);
    p.count_include_pad = c.n.attrs.i("count_include_pad", 0) != 0;
  }
  auto& ex = c.ex();
  if (int8) {
    const Fmt f8 = nhwc_attr ? Fmt::Logical : Fmt::Nhwc;
    int x = c.input(0, f8), y = c.output(0, f8);
    c.step([&ex, x, y, p](cudaStream_t s) { launch_pool_nhwc(ex.ptr(x), ex.ptr(y), DevType::i8, p, s); });
    return true;
  }
  Fmt f = nhwc_attr ? Fmt::Logical : ex.channels_fmt();
  bool nchw = !nhwc_attr && f == Fmt::Logical;
  int x = c.input(0, f);
  int y = c.output(0, f);
  DevType t = c.compute_dev();
  c.step([&ex, x, y, t, p, nchw](cudaStream_t s) {
    if (nchw) launch_pool_nchw(ex.ptr(x), ex.ptr(y), t, p, s);
    else launch_pool_nhwc(ex.ptr(x), ex.ptr(y), t, p, s);
  });
  return true;
}

bool build_pad(BuildCtx& c) {
  if (!float_io(c)) return false;
  const Shape& xs = c.in_value(0).shape;
  const Shape& ys = c.g.value(c.n.outputs[0]).shape;
  int r = static_cast<int>(xs.size());
  if (r > kMaxDims || !c.in_constant(1)) return false;
  const Tensor* axes = nullptr;  // opset 18: pads for these axes only
  if (c.n.inputs.size() > 3 && c.has_input(3)) {
    axes = c.in_constant(3);
    if (!axes) return false;
  }
  PadAmounts pads = pad_amounts(*c.in_constant(1), axes, r);
  PadParams p;
  std::string mode = c.n.attrs.s("mode", "constant");
  if (mode == "constant") p.mode = PadMode::Constant;
  else if (mode == "reflect") p.mode = PadMode::Reflect;
  else if (mode == "edge") p.mode = PadMode::Edge;
  else return false;
  if (c.has_input(2)) {
    if (!c.in_constant(2)) return false;
    auto v = c.in_constant(2)->to_f64_vector();
    if (!v.empty()) p.value = static_cast<float>(v[0]);
  }
  Fmt f = c.input_fmt(0);
  p.rank = r;
  for (int l = 0; l < r; ++l) {
    int ph = phys_axis(l, r, f);
    p.in[ph] = xs[l];
    p.out[ph] = ys[l];
    p.begin[ph] = pads.begin[l];
  }
  int x = c.input(0, f);
  int y = c.output(0, f);
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, t, p](cudaStream_t s) { launch_pad(ex.ptr(x), ex.ptr(y), t, p, s); });
  return true;
}

}  // namespace

SEGRT_CUDA_OP(Resize, build_resize);
SEGRT_CUDA_OP(MaxPool, build_pool);
SEGRT_CUDA_OP(AveragePool, build_pool);
SEGRT_CUDA_OP(GlobalAveragePool, build_pool);
SEGRT_CUDA_OP(GlobalMaxPool, build_pool);
SEGRT_CUDA_OP(Pad, build_pad);

}  // namespace segrt::cuda
