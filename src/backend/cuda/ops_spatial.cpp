// CUDA builders for Resize, pooling and Pad (own kernels).
#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/pad.cuh"
#include "backend/cuda/pool.cuh"
#include "backend/cuda/resize.cuh"
#include "backend/cuda/spatial_util.h"

namespace segrt::cuda {

namespace {

bool float_io(BuildCtx& c) {
  return dtype_is_float(c.in_value(0).dtype) && dtype_is_float(c.g.value(c.n.outputs[0]).dtype);
}

bool build_resize(BuildCtx& c) {
  if (!float_io(c)) return false;
  const Shape& xs = c.in_value(0).shape;
  const Shape& ys = c.g.value(c.n.outputs[0]).shape;
  int r = static_cast<int>(xs.size());
  if (r < 1 || r > 4) return false;
  ResizeParams p;
  std::string mode = c.n.attrs.s("mode", "nearest");
  if (mode == "nearest") p.mode = ResizeMode::Nearest;
  else if (mode == "linear") p.mode = ResizeMode::Linear;
  else if (mode == "cubic") p.mode = ResizeMode::Cubic;
  else return false;
  std::string ct = c.n.attrs.s("coordinate_transformation_mode", "half_pixel");
  if (ct == "half_pixel") p.coord = CoordMode::HalfPixel;
  else if (ct == "pytorch_half_pixel") p.coord = CoordMode::PytorchHalfPixel;
  else if (ct == "align_corners") p.coord = CoordMode::AlignCorners;
  else if (ct == "asymmetric") p.coord = CoordMode::Asymmetric;
  else if (ct == "tf_half_pixel_for_nn") p.coord = CoordMode::TfHalfPixelForNn;
  else if (ct == "tf_crop_and_resize") p.coord = CoordMode::TfCropAndResize;
  else return false;
  std::string nm = c.n.attrs.s("nearest_mode", "round_prefer_floor");
  if (nm == "round_prefer_floor") p.nearest = NearestMode::RoundPreferFloor;
  else if (nm == "round_prefer_ceil") p.nearest = NearestMode::RoundPreferCeil;
  else if (nm == "floor") p.nearest = NearestMode::Floor;
  else if (nm == "ceil") p.nearest = NearestMode::Ceil;
  else return false;
  p.cubic_a = static_cast<float>(c.n.attrs.f("cubic_coeff_a", -0.75));
  p.exclude_outside = c.n.attrs.i("exclude_outside", 0) != 0;
  p.extrapolation = static_cast<float>(c.n.attrs.f("extrapolation_value", 0.0));
  std::vector<double> scales, roi;
  if (c.has_input(2)) {
    if (!c.in_constant(2)) return false;
    scales = c.in_constant(2)->to_f64_vector();
  }
  if (c.has_input(1)) {
    if (!c.in_constant(1)) return false;
    roi = c.in_constant(1)->to_f64_vector();
  }
  if (!scales.empty() && static_cast<int>(scales.size()) != r) return false;
  Fmt f = c.input_fmt(0);
  p.rank = r;
  for (int l = 0; l < r; ++l) {
    ResizeAxis a;
    a.in = xs[l];
    a.out = ys[l];
    a.scale = static_cast<float>(scales.empty() ? double(ys[l]) / double(xs[l]) : scales[l]);
    if (static_cast<int>(roi.size()) == 2 * r) {
      a.roi_start = static_cast<float>(roi[l]);
      a.roi_end = static_cast<float>(roi[r + l]);
    }
    p.axis[phys_axis(l, r, f)] = a;
  }
  int x = c.input(0, f);
  int y = c.output(0, f);
  DevType t = c.act_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, t, p](cudaStream_t s) { launch_resize(ex.ptr(x), ex.ptr(y), t, p, s); });
  return true;
}

// MaxPool / AveragePool / GlobalAveragePool / GlobalMaxPool on 4-D tensors.
bool build_pool(BuildCtx& c) {
  if (!float_io(c) || c.n.outputs.size() != 1) return false;  // MaxPool's Indices output: host
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
    auto k = c.n.attrs.ints("kernel_shape");
    if (k.size() != 2) return false;
    Window2d w = window_2d(c.n, p.in_h, p.in_w, p.out_h, p.out_w, static_cast<int>(k[0]), static_cast<int>(k[1]));
    p.kh = w.kh; p.kw = w.kw; p.sh = w.sh; p.sw = w.sw; p.dh = w.dh; p.dw = w.dw;
    p.pad_t = w.pad_t; p.pad_l = w.pad_l; p.pad_b = w.pad_b; p.pad_r = w.pad_r;
    p.count_include_pad = c.n.attrs.i("count_include_pad", 0) != 0;
  }
  Fmt f = nhwc_attr ? Fmt::Logical : Fmt::Nhwc;
  int x = c.input(0, f);
  int y = c.output(0, f);
  DevType t = c.act_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, t, p](cudaStream_t s) { launch_pool_nhwc(ex.ptr(x), ex.ptr(y), t, p, s); });
  return true;
}

bool build_pad(BuildCtx& c) {
  if (!float_io(c)) return false;
  const Shape& xs = c.in_value(0).shape;
  const Shape& ys = c.g.value(c.n.outputs[0]).shape;
  int r = static_cast<int>(xs.size());
  if (r > kMaxDims || !c.in_constant(1)) return false;
  if (c.n.inputs.size() > 3 && c.has_input(3)) return false;  // axes (opset 18): host
  auto pads = c.in_constant(1)->to_i64_vector();
  if (static_cast<int>(pads.size()) != 2 * r) return false;
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
    p.begin[ph] = pads[l];
  }
  int x = c.input(0, f);
  int y = c.output(0, f);
  DevType t = c.act_dev();
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
