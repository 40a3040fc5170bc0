// The CUDA builder for 3-D Conv / ConvTranspose (NCDHW): cuDNN's Nd legacy
// descriptors; conv_algo.cpp chooses the algorithm and runs it.
#include <string>

#include "backend/cuda/conv_step.h"
#include "core/parallel.h"
#include "ir/ops/conv_util.h"

namespace segrt::cuda {

// 3-D Conv / ConvTranspose on NCDHW data (5-D values are stored in logical
// order): cuDNN's Nd legacy descriptors and algorithm search, bias and
// activation in our epilogue, asymmetric Conv pads through a padded copy.
bool build_conv3d(BuildCtx& c) {
  const Node& n = c.n;
  bool transposed = n.op == OpType::ConvTranspose;
  const Shape& xs = c.in_value(0).shape;
  const Shape& ys = c.g.value(n.outputs[0]).shape;
  const Tensor* wt = c.in_constant(1);
  if (xs.size() != 5 || !wt || wt->rank() != 5 || !dtype_is_float(c.in_value(0).dtype)) return false;
  if ((c.has_input(2) && !c.in_constant(2)) || n.attrs.s("layout", "NCHW") == "NHWC") return false;
  ConvGeometry geo = transposed ? conv_transpose_geometry(n.attrs, xs, wt->shape()) : conv_geometry(n.attrs, xs, wt->shape());
  if (geo.rank() != 3) return false;
  const int64_t N = xs[0], C = xs[1], K = ys[1];
  int pad[3], stride[3], dil[3];
  int64_t in_p[3], pb[3], pe[3];
  bool asym = false;
  for (int i = 0; i < 3; ++i) {
    pb[i] = geo.pads[i];
    pe[i] = geo.pads[i + 3];
    if (pb[i] < 0) return false;
    stride[i] = static_cast<int>(geo.strides[i]);
    dil[i] = static_cast<int>(geo.dilations[i]);
    pad[i] = static_cast<int>(pb[i]);
    in_p[i] = xs[2 + i];
    if (transposed) {  // cuDNN must reach the requested output size with the begin pad
      int64_t k = wt->dim(2 + i), out = ys[2 + i];
      if ((out + 2 * pb[i] - dil[i] * (k - 1) - 1) / stride[i] + 1 != xs[2 + i] || out + 2 * pb[i] - dil[i] * (k - 1) - 1 < 0)
        return false;
    } else if (pb[i] != pe[i]) {
      asym = true;
    }
  }
  if (asym)
    for (int i = 0; i < 3; ++i) {
      pad[i] = 0;
      in_p[i] = xs[2 + i] + pb[i] + pe[i];
    }
  auto cs = std::make_shared<ConvStep>();
  cs->transposed = transposed;
  cs->t = c.compute_dev();
  cs->nchw = true;
  cs->nd = true;
  cs->act = act_of(Activation::from_fused_attrs(n.attrs));
  cs->relu_or_none = false;  // no fused cuDNN call for Nd: convolve, then the epilogue
  cudnnDataType_t dt = cudnn_type(c.compute_dtype());
  auto packed = [](const int* d, int* st) {
    st[4] = 1;
    for (int i = 3; i >= 0; --i) st[i] = st[i + 1] * d[i + 1];
  };
  int xd[5] = {static_cast<int>(N), static_cast<int>(C), static_cast<int>(in_p[0]), static_cast<int>(in_p[1]),
               static_cast<int>(in_p[2])};
  int yd[5] = {static_cast<int>(N), static_cast<int>(K), static_cast<int>(ys[2]), static_cast<int>(ys[3]),
               static_cast<int>(ys[4])};
  int bd[5] = {1, static_cast<int>(K), 1, 1, 1};
  int wd[5];
  for (int i = 0; i < 5; ++i) wd[i] = static_cast<int>(wt->dim(i));
  int xst[5], yst[5], bst[5];
  packed(xd, xst);
  packed(yd, yst);
  packed(bd, bst);
  SEGRT_CUDNN_CHECK(cudnnSetTensorNdDescriptor(cs->d.x, dt, 5, xd, xst));
  SEGRT_CUDNN_CHECK(cudnnSetTensorNdDescriptor(cs->d.y, dt, 5, yd, yst));
  SEGRT_CUDNN_CHECK(cudnnSetTensorNdDescriptor(cs->d.b, dt, 5, bd, bst));
  SEGRT_CUDNN_CHECK(cudnnSetFilterNdDescriptor(cs->d.w, dt, CUDNN_TENSOR_NCHW, 5, wd));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(cs->d.conv, 3, pad, stride, dil, CUDNN_CROSS_CORRELATION,
                                                    CUDNN_DATA_FLOAT));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionGroupCount(cs->d.conv, static_cast<int>(n.attrs.i("group", 1))));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionMathType(cs->d.conv, wanted_math(c.precision())));
  // Weights: Conv OIDHW / ConvTranspose IODHW are cuDNN's NCHW-order Nd filters.
  auto& ex = c.ex();
  Tensor wdev = cast_bulk(cast_bulk(*wt, DType::f32), c.compute_dtype());
  cs->w = ex.upload(wdev.raw(), wdev.nbytes());
  upload_bias(c, *cs, K);
  cs->k = K;
  cs->n = N;
  cs->hw = ys[2] * ys[3] * ys[4];
  cs->rows = N * cs->hw;
  cs->x = c.input(0, Fmt::Logical);
  cs->has_residual = !transposed && c.has_input(3);
  if (cs->has_residual) cs->z = c.input(3, Fmt::Logical);
  if (asym) {
    cs->xpad = c.temp(c.compute_dtype(), {N, C, in_p[0], in_p[1], in_p[2]});
    PadParams& p = cs->pre_pad;
    p.rank = 5;
    for (int i = 0; i < 5; ++i) {
      p.in[i] = xs[i];
      p.out[i] = i < 2 ? xs[i] : in_p[i - 2];
      p.begin[i] = i < 2 ? 0 : pb[i - 2];
    }
  }
  cs->y = c.output(0, Fmt::Logical);
  std::string key = std::string(transposed ? "T3" : "F3") + c.precision() + (no_transforms(ex) ? " nowino" : "");
  for (int v : xd) key += "," + std::to_string(v);
  for (int v : wd) key += "," + std::to_string(v);
  for (int i = 0; i < 3; ++i) key += " " + std::to_string(pad[i]) + "/" + std::to_string(stride[i]) + "/" + std::to_string(dil[i]);
  key += " g" + std::to_string(n.attrs.i("group", 1));
  for (int v : yd) key += "," + std::to_string(v);
  cs->key = key;
  std::string precision = c.precision();
  c.step([&ex, cs](cudaStream_t s) { run_conv(ex, *cs, s); }, [&ex, cs, precision] { prepare_conv(ex, *cs, precision); },
         [cs] {
           return "legacy 3-D algo " + std::to_string(cs->ch.algo) + ", ws " + std::to_string(cs->ch.ws >> 20) +
                  " MiB  " + cs->key;
         });
  return true;
}

}  // namespace segrt::cuda
