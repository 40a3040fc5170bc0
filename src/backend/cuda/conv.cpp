// CUDA builders for Conv and ConvTranspose through cuDNN (graph API, else the
// legacy API) on channel-last (NHWC) data, or NCHW for strict fp32 (the
// executable's channels_fmt()). Conv + bias (+ residual) + ReLU/identity runs
// as one fused operation; other activations run as an epilogue kernel. This
// file builds the 1-D and 2-D steps; conv3d.cpp the 3-D ones; conv_algo.cpp
// chooses their algorithms and runs them.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "backend/cuda/conv_step.h"
#include "core/parallel.h"
#include "core/uninitialized.h"
#include "ir/ops/conv_util.h"

namespace segrt::cuda {

bool conv2d_sizes(BuildCtx& c, Conv2d* d, int xi, int wi, int bi) {
  const Node& n = c.n;
  bool transposed = n.op == OpType::ConvTranspose;
  const Shape& xs_in = c.in_value(xi).shape;
  const Tensor* wt = c.in_constant(wi);
  bool one_d = xs_in.size() == 3;  // [N, C, L] runs as NCHW [N, C, 1, L]
  if ((xs_in.size() != 4 && !one_d) || !wt || wt->rank() != static_cast<int>(xs_in.size())) return false;
  if (c.has_input(bi) && !c.in_constant(bi)) return false;
  d->nhwc_attr = n.attrs.s("layout", "NCHW") == "NHWC";
  if (one_d && d->nhwc_attr) return false;
  ConvGeometry geo = transposed ? conv_transpose_geometry(n.attrs, xs_in, wt->shape())
                                : conv_geometry(n.attrs, xs_in, wt->shape());
  if (geo.rank() != (one_d ? 1 : 2)) return false;
  if (one_d) {  // a unit H axis in front
    geo.strides.insert(geo.strides.begin(), 1);
    geo.dilations.insert(geo.dilations.begin(), 1);
    geo.pads = {0, geo.pads[0], 0, geo.pads[1]};
  }
  auto as_4d = [one_d](const Shape& s) { return one_d ? Shape{s[0], s[1], 1, s[2]} : s; };
  const Shape xs = as_4d(xs_in), ys = as_4d(c.g.value(n.outputs[0]).shape);
  bool l = d->nhwc_attr;
  d->N = xs[0], d->C = l ? xs[3] : xs[1], d->H = l ? xs[1] : xs[2], d->W = l ? xs[2] : xs[3];
  d->K = l ? ys[3] : ys[1], d->OH = l ? ys[1] : ys[2], d->OW = l ? ys[2] : ys[3];
  d->group = n.attrs.i("group", 1);
  d->kh = one_d ? 1 : static_cast<int>(wt->dim(2)), d->kw = static_cast<int>(wt->dim(one_d ? 2 : 3));
  d->sh = static_cast<int>(geo.strides[0]), d->sw = static_cast<int>(geo.strides[1]);
  d->dh = static_cast<int>(geo.dilations[0]), d->dw = static_cast<int>(geo.dilations[1]);
  d->pad_t = static_cast<int>(geo.pads[0]), d->pad_l = static_cast<int>(geo.pads[1]);
  d->pad_b = static_cast<int>(geo.pads[2]), d->pad_r = static_cast<int>(geo.pads[3]);
  if (d->pad_t < 0 || d->pad_l < 0) return false;
  // Padding: cuDNN takes one pad per axis. Conv: asymmetric pads go through a
  // padded copy. ConvTranspose: the begin pad places the output; the end pad
  // and output_padding only set its size, which cuDNN must accept.
  d->ph = d->pad_t, d->pw = d->pad_l;
  d->IH = d->H, d->IW = d->W;
  if (transposed) {
    auto ok = [](int64_t in, int64_t out, int p, int k, int s, int dil) {
      return (out + 2 * p - dil * (k - 1) - 1) / s + 1 == in && out + 2 * p - dil * (k - 1) - 1 >= 0;
    };
    if (!ok(d->H, d->OH, d->ph, d->kh, d->sh, d->dh) || !ok(d->W, d->OW, d->pw, d->kw, d->sw, d->dw)) return false;
  } else if (d->pad_t != d->pad_b || d->pad_l != d->pad_r) {
    d->ph = d->pw = 0;
    d->IH = d->H + d->pad_t + d->pad_b;
    d->IW = d->W + d->pad_l + d->pad_r;
  }
  return true;
}

namespace {

// Weights: Conv OIHW and ConvTranspose IOHW are cuDNN's NCHW filter order;
// channel-last data wants them as [dim0][kh][kw][dim1] (KRSC).
void upload_filter(BuildCtx& c, ConvStep& cs, const Conv2d& d, cudnnDataType_t dt) {
  const Tensor* wt = c.in_constant(1);
  bool nchw = cs.nchw;
  int kh = d.kh, kw = d.kw;
  int64_t d0 = wt->dim(0), d1 = wt->dim(1);
  SEGRT_CUDNN_CHECK(cudnnSetFilter4dDescriptor(cs.d.w, dt, nchw ? CUDNN_TENSOR_NCHW : CUDNN_TENSOR_NHWC,
                                               static_cast<int>(d0), static_cast<int>(d1), kh, kw));
  Tensor w32 = wt->to_f32();
  Tensor krsc = w32;  // NCHW: cuDNN's filter order is the model's
  if (!nchw) {        // channel-last: KCRS -> KRSC, split over output channels (31 M weights at start-up)
    krsc = uninitialized_tensor(DType::f32, Shape{d0, kh, kw, d1});
    const float* src = w32.data<float>();
    float* dst = krsc.data<float>();
    parallel_ranges(d0, std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(1, d1 * kh * kw)),
                    [&](int64_t a0, int64_t a1) {
                      for (int64_t a = a0; a < a1; ++a)
                        for (int64_t b = 0; b < d1; ++b)
                          for (int y = 0; y < kh; ++y)
                            for (int x = 0; x < kw; ++x)
                              dst[((a * kh + y) * kw + x) * d1 + b] = src[((a * d1 + b) * kh + y) * kw + x];
                    });
  }
  Tensor wdev = cast_bulk(krsc, c.compute_dtype());
  cs.w = c.ex().upload(wdev.raw(), wdev.nbytes());
}

// Asymmetric Conv pads: the input is first copied into xpad with the pads.
void plan_pre_pad(BuildCtx& c, ConvStep& cs, const Conv2d& d) {
  const int64_t N = d.N, C = d.C, H = d.H, W = d.W, IH = d.IH, IW = d.IW;
  bool nchw = cs.nchw;
  cs.xpad = c.temp(c.compute_dtype(), nchw ? Shape{N, C, IH, IW} : Shape{N, IH, IW, C});
  PadParams& p = cs.pre_pad;
  p.rank = 4;
  int64_t in[4] = {N, H, W, C}, out[4] = {N, IH, IW, C}, beg[4] = {0, d.pad_t, d.pad_l, 0};
  if (nchw) {
    int64_t in_c[4] = {N, C, H, W}, out_c[4] = {N, C, IH, IW}, beg_c[4] = {0, 0, d.pad_t, d.pad_l};
    std::copy(in_c, in_c + 4, in);
    std::copy(out_c, out_c + 4, out);
    std::copy(beg_c, beg_c + 4, beg);
  }
  for (int i = 0; i < 4; ++i) {
    p.in[i] = in[i];
    p.out[i] = out[i];
    p.begin[i] = beg[i];
  }
}

}  // namespace

std::string conv2d_key(const BuildCtx& c, const ConvStep& cs, const Conv2d& d, int64_t d0, int64_t d1) {
  auto n = [](int64_t v) { return std::to_string(v); };
  return std::string(cs.transposed ? "T" : "F") + c.precision() + (cs.nchw ? " nchw" : " nhwc") +
         (no_transforms(c.ex()) ? " nowino" : "") + " x" + n(d.N) + "," + n(d.C) + "," + n(d.IH) + "," + n(d.IW) + " w" +
         n(d0) + "," + n(d1) + "," + n(d.kh) + "," + n(d.kw) + " p" + n(d.ph) + "," + n(d.pw) + " s" + n(d.sh) + "," +
         n(d.sw) + " d" + n(d.dh) + "," + n(d.dw) + " g" + n(d.group) + " o" + n(d.OH) + "," + n(d.OW) + " a" +
         n(static_cast<int>(cs.act.kind)) + (cs.has_residual ? "r" : "");
}

GraphConvSpec graph_spec(const BuildCtx& c, const ConvStep& cs, const Conv2d& d, cudnnDataType_t dt) {
  GraphConvSpec sp;
  sp.io = dt;
  sp.nchw = cs.nchw;
  sp.n = d.N; sp.c = d.C; sp.h = d.H; sp.w = d.W;
  sp.k = d.K; sp.r = d.kh; sp.s = d.kw; sp.oh = d.OH; sp.ow = d.OW;
  sp.groups = d.group;
  sp.pad_pre[0] = d.pad_t; sp.pad_pre[1] = d.pad_l;
  sp.pad_post[0] = d.pad_b; sp.pad_post[1] = d.pad_r;
  sp.stride[0] = d.sh; sp.stride[1] = d.sw;
  sp.dilation[0] = d.dh; sp.dilation[1] = d.dw;
  sp.bias = true;  // a zero bias when the model has none: one graph shape for all
  sp.residual = cs.has_residual;
  sp.relu = cs.act.kind == ActKind::Relu;
  sp.allow_tensor_cores = c.precision() != "fp32";
  sp.allow_transforms = !no_transforms(c.ex());
  return sp;
}

bool build_conv(BuildCtx& c) {
  const Node& n = c.n;
  if (c.in_value(0).shape.size() == 5) return build_conv3d(c);
  Conv2d d;
  if (!dtype_is_float(c.in_value(0).dtype) || !conv2d_sizes(c, &d, 0, 1, 2)) return false;
  bool one_d = c.in_value(0).shape.size() == 3;
  auto cs = std::make_shared<ConvStep>();
  cs->transposed = n.op == OpType::ConvTranspose;
  cs->t = c.compute_dev();
  // NCHW models run physically NCHW where the executable says so (strict fp32).
  Fmt f = d.nhwc_attr || one_d ? Fmt::Logical : c.ex().channels_fmt();
  cs->nchw = !d.nhwc_attr && f == Fmt::Logical;  // 1-D values are never channel-last
  cs->act = act_of(Activation::from_fused_attrs(n.attrs));
  cs->relu_or_none = cs->act.kind == ActKind::None || cs->act.kind == ActKind::Relu;
  cudnnDataType_t dt = cudnn_type(c.compute_dtype());
  SEGRT_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(cs->d.conv, d.ph, d.pw, d.sh, d.sw, d.dh, d.dw,
                                                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionGroupCount(cs->d.conv, static_cast<int>(d.group)));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionMathType(cs->d.conv, wanted_math(c.precision())));
  set_4d(cs->d.x, cs->nchw, dt, d.N, d.C, d.IH, d.IW);
  set_4d(cs->d.y, cs->nchw, dt, d.N, d.K, d.OH, d.OW);
  set_4d(cs->d.b, cs->nchw, dt, 1, d.K, 1, 1);
  SEGRT_CUDNN_CHECK(cudnnSetActivationDescriptor(
      cs->d.act, cs->act.kind == ActKind::Relu ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY,
      CUDNN_NOT_PROPAGATE_NAN, 0.0));
  upload_filter(c, *cs, d, dt);
  upload_bias(c, *cs, d.K);
  cs->rows = d.N * d.OH * d.OW;
  cs->k = d.K;
  cs->n = d.N;
  cs->hw = d.OH * d.OW;
  cs->x = c.input(0, f);
  cs->has_residual = !cs->transposed && c.has_input(3);
  if (cs->has_residual) cs->z = c.input(3, f);
  if (d.IH != d.H || d.IW != d.W) plan_pre_pad(c, *cs, d);
  cs->y = c.output(0, f);
  cs->key = conv2d_key(c, *cs, d, c.in_constant(1)->dim(0), c.in_constant(1)->dim(1));
  cs->spec = graph_spec(c, *cs, d, dt);
  std::string precision = c.precision();
  auto info = [cs] {
    char b[320];
    if (cs->graph)
      std::snprintf(b, sizeof b, "graph engine%s %.3f ms, ws %zu MiB  %s", cs->graph_plain ? " (plain)" : "",
                    cs->graph->best_ms(), cs->graph->workspace_bytes() >> 20, cs->key.c_str());
    else
      std::snprintf(b, sizeof b, "legacy algo %d%s %.3f ms, ws %zu MiB  %s", cs->ch.algo, cs->ch.fused ? " fused" : "",
                    cs->ch.ms, cs->ch.ws >> 20, cs->key.c_str());
    return std::string(b);
  };
  auto& ex = c.ex();
  c.step([&ex, cs](cudaStream_t s) { run_conv(ex, *cs, s); }, [&ex, cs, precision] { prepare_conv(ex, *cs, precision); },
         info, [&ex, cs](cudnnHandle_t h) { preload_conv(ex, *cs, h); });
  return true;
}

SEGRT_CUDA_OP(Conv, build_conv);
SEGRT_CUDA_OP(ConvTranspose, build_conv);

}  // namespace segrt::cuda
