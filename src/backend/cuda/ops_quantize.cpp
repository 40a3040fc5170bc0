// CUDA builders for the 8-bit path (docs/int8.md): QuantizeLinear and
// DequantizeLinear per tensor with zero point 0, and segrt's QLinearConv
// (passes/fuse_qdq_conv.cpp: int8 x int8 per channel, int32 bias, fused ReLU,
// int8 or float output) as one cuDNN graph: the int32 accumulator times a
// per-channel scale, plus bias, ReLU, converted to int8 (or float) on write.
// float8 e4m3fn (fp8 tables, stored as its bytes: storage_dtype) the same way,
// its QLinearConv (fuse_qdq_conv's fp8 form) on cuDNN's fp8 engines, the
// products summed in float. Other forms (uint8 input, non-zero zero points,
// per-axis activations, e5m2, saturate = 0) return false and run on the host:
// cuDNN's integer engines take signed input only, which is why calibrated
// tables quantize every activation to int8 on this backend (CudaBackend::quant_prefs).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "backend/cuda/conv_step.h"
#include "backend/cuda/quantize.cuh"
#include "ir/activation.h"

namespace segrt::cuda {

namespace {

// Input i is absent or a constant whose every element is 0.
bool zero_or_absent(const BuildCtx& c, int i) {
  if (!c.has_input(i)) return true;
  const Tensor* t = c.in_constant(i);
  if (!t) return false;
  for (double v : t->to_f64_vector())
    if (v != 0) return false;
  return true;
}

// The one float of constant input i (a per-tensor scale), or 0 when it is not that.
float scalar_scale(const BuildCtx& c, int i) {
  const Tensor* t = c.in_constant(i);
  if (!t || t->numel() != 1) return 0.f;
  float s = static_cast<float>(t->to_f64_vector()[0]);
  return std::isfinite(s) && s > 0 ? s : 0.f;
}

bool is_8bit(DType t) { return t == DType::i8 || t == DType::u8 || t == DType::f8e4m3fn; }

// QuantizeLinear y = saturate(round(x / scale)) or DequantizeLinear
// y = q * scale, elementwise in the input's format.
bool build_scaling(BuildCtx& c, bool quantize) {
  const DType in = c.in_value(0).dtype, out = c.g.value(c.n.outputs[0]).dtype;
  const DType q = quantize ? out : in, f = quantize ? in : out;
  const float scale = scalar_scale(c, 1);
  if (!dtype_is_float(f) || f == DType::f8e4m3fn || !is_8bit(q) || scale == 0.f || !zero_or_absent(c, 2) ||
      c.in_constant(0) || c.n.attrs.i("block_size", 0) != 0 || c.n.attrs.i("saturate", 1) == 0)
    return false;
  Fmt fmt = c.input_fmt(0);
  int x = c.input(0, fmt);
  int y = c.output(0, fmt);
  const int64_t n = shape_numel(c.in_value(0).shape);
  DevType t = c.compute_dev(), qt = dev_type(q);
  auto& ex = c.ex();
  if (quantize)
    c.step([&ex, x, y, n, t, qt, scale](cudaStream_t s) { launch_quantize(ex.ptr(x), t, ex.ptr(y), qt, scale, n, s); });
  else
    c.step([&ex, x, y, n, t, qt, scale](cudaStream_t s) { launch_dequantize(ex.ptr(x), qt, ex.ptr(y), t, scale, n, s); });
  return true;
}

bool build_quantize(BuildCtx& c) { return build_scaling(c, true); }
bool build_dequantize(BuildCtx& c) { return build_scaling(c, false); }

// QLinearConv(xq, xs, xzp, wq, ws, wzp, [ys, yzp], B): inputs as fuse_qdq_conv writes them.
bool build_qlinear_conv(BuildCtx& c) {
  const Node& n = c.n;
  const Tensor* wq = c.in_constant(3);
  const float xs = scalar_scale(c, 1);
  const bool requant = c.has_input(6);
  const DType yt = c.g.value(n.outputs[0]).dtype, qt = c.in_value(0).dtype;
  const bool fp8 = qt == DType::f8e4m3fn;
  if ((qt != DType::i8 && !fp8) || c.in_value(0).shape.size() != 4 || !wq || wq->dtype() != qt || xs == 0.f ||
      !c.in_constant(4) || !zero_or_absent(c, 2) || !zero_or_absent(c, 5) || !zero_or_absent(c, 7))
    return false;
  if (requant ? (yt != qt || scalar_scale(c, 6) == 0.f) : !dtype_is_float(yt) || yt == DType::f8e4m3fn) return false;
  const Activation a = Activation::from_fused_attrs(n.attrs);
  const Act act = act_of(a);
  if (act.kind != ActKind::None && act.kind != ActKind::Relu) return false;
  Conv2d d;
  if (!conv2d_sizes(c, &d, 0, 3, 8) || d.group != 1 || d.IH != d.H || d.IW != d.W) return false;
  // cuDNN's int8 engines read channels in groups of four, its fp8 engines in sixteen bytes.
  const int64_t group = fp8 ? 16 : 4;
  if (d.C % group != 0 || d.K % group != 0) return false;
  const auto wsv = c.in_constant(4)->to_f64_vector();
  if (wsv.size() != 1 && static_cast<int64_t>(wsv.size()) != d.K) return false;

  auto cs = std::make_shared<ConvStep>();
  cs->t = c.compute_dev();
  cs->nchw = false;
  cs->act = act;
  cs->relu_or_none = true;
  const Fmt f = d.nhwc_attr ? Fmt::Logical : Fmt::Nhwc;
  const cudnnDataType_t q8 = fp8 ? CUDNN_DATA_FP8_E4M3 : CUDNN_DATA_INT8;
  const cudnnDataType_t out = requant ? q8 : cudnn_type(c.compute_dtype());
  // Weights OIHW -> KRSC int8 (the NCHW -> NHWC permutation); per-channel
  // scale xs * ws[o] (/ ys) and the int32 bias in float at that scale, so
  // y = act(scale * acc + bias) (/ ys folded in: ReLU commutes with a positive factor).
  const int64_t K = d.K, C = d.C;
  Tensor krsc = permute_host(*wq, true);
  cs->w = c.ex().upload(krsc.raw(), krsc.nbytes());
  const double inv_y = requant ? 1.0 / scalar_scale(c, 6) : 1.0;
  std::vector<double> bias_i(static_cast<size_t>(K), 0.0);
  if (c.has_input(8)) bias_i = c.in_constant(8)->to_f64_vector();
  std::vector<float> scale(static_cast<size_t>(K)), bias(static_cast<size_t>(K));
  for (int64_t o = 0; o < K; ++o) {
    const double s = double(xs) * wsv[wsv.size() == 1 ? 0 : o];
    scale[o] = static_cast<float>(s * inv_y);
    bias[o] = static_cast<float>(bias_i.at(o) * s * inv_y);
  }
  cs->scale_dev = static_cast<float*>(c.ex().upload(scale.data(), scale.size() * sizeof(float)));
  cs->bias_dev = c.ex().upload(bias.data(), bias.size() * sizeof(float));
  cs->rows = d.N * d.OH * d.OW;
  cs->k = K;
  cs->n = d.N;
  cs->hw = d.OH * d.OW;
  cs->x = c.input(0, f);
  cs->y = c.output(0, f);
  cs->key = std::string(fp8 ? "F8" : "Q8") + (requant ? (fp8 ? "e4m3 " : "i8 ") : "f ") + conv2d_key(c, *cs, d, K, C);
  cs->spec = graph_spec(c, *cs, d, out);
  cs->spec.quantized = true;
  cs->spec.in8 = q8;
  cs->spec.comp8 = fp8 ? CUDNN_DATA_FLOAT : CUDNN_DATA_INT32;
  // An fp8 result saturates at +-448 as QuantizeLinear's (a clamp before the conversion).
  cs->spec.clip = fp8 && requant ? 448.f : 0.f;
  cs->spec.allow_tensor_cores = true;
  cs->spec.more_heuristics = true;
  cs->spec.budget_s = 5;
  std::string precision = c.precision();
  auto info = [cs] {
    char b[320];
    std::snprintf(b, sizeof b, "%s graph engine %.3f ms, ws %zu MiB  %s", cs->spec.comp8 == CUDNN_DATA_FLOAT ? "fp8" : "int8",
                  cs->graph ? cs->graph->best_ms() : 0.f,
                  cs->graph ? cs->graph->workspace_bytes() >> 20 : 0, cs->key.c_str());
    return std::string(b);
  };
  auto& ex = c.ex();
  c.step([&ex, cs](cudaStream_t s) { run_conv(ex, *cs, s); }, [&ex, cs, precision] { prepare_conv(ex, *cs, precision); },
         info, [&ex, cs](cudnnHandle_t h) { preload_conv(ex, *cs, h); });
  return true;
}

}  // namespace

SEGRT_CUDA_OP(QuantizeLinear, build_quantize);
SEGRT_CUDA_OP(DequantizeLinear, build_dequantize);
SEGRT_CUDA_OP(QLinearConv, build_qlinear_conv);

}  // namespace segrt::cuda
