// Keras convolution and dense layers -> Conv / ConvTranspose / MatMul.
// Kernels are converted once, here, from Keras order to ONNX order:
//   Conv{1,2,3}D          [k..., in/groups, out] -> OIHW [out, in/groups, k...]
//   DepthwiseConv2D       [kh, kw, in, mult]     -> [in*mult, 1, kh, kw], group = in
//   Conv{1,2}DTranspose   [k..., out, in]        -> IOHW [in, out, k...]
//   Dense                 [in, units]            used as is by MatMul (x @ W + b)
// Activations stay channels_last: spatial ops carry layout = "NHWC".
#include "import/keras/keras_translate.h"

namespace segrt::keras {

namespace {

// Spatial attributes shared by Conv and ConvTranspose-free ops: kernel_shape,
// strides, dilations, layout, and the padding rule.
//   valid  -> pads 0
//   same   -> TF's rule: total = max((ceil(in/s)-1)*s + (k-1)*d+1 - in, 0), the
//             smaller half first = ONNX SAME_UPPER. At stride 1 the total is
//             k_eff-1 whatever the input size, so the pads are written out.
//   causal -> (k-1)*d zeros before, none after (Conv1D)
Attrs spatial_attrs(const LayerContext& c, size_t nd, const std::vector<int64_t>& kernel,
                    const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations) {
  Attrs a;
  a.set("kernel_shape", kernel);
  a.set("strides", strides);
  a.set("dilations", dilations);
  a.set("layout", c.channels_last() ? "NHWC" : "NCHW");
  std::string padding = c.get_str("padding", "valid");
  std::vector<int64_t> pads(2 * nd, 0);
  bool unit_strides = true;
  for (auto s : strides) unit_strides &= s == 1;
  if (padding == "valid") {
    a.set("pads", pads);
  } else if (padding == "same") {
    if (unit_strides) {
      for (size_t i = 0; i < nd; ++i) {
        int64_t total = (kernel[i] - 1) * dilations[i];
        pads[i] = total / 2;
        pads[i + nd] = total - total / 2;
      }
      a.set("pads", pads);
    } else {
      a.set("auto_pad", "SAME_UPPER");
    }
  } else if (padding == "causal" && nd == 1) {
    pads[0] = (kernel[0] - 1) * dilations[0];
    a.set("pads", pads);
  } else {
    c.unsupported("padding '" + padding + "'");
  }
  return a;
}

std::vector<int> spatial_perm_to_front(size_t nd) {  // [k..., a, b] -> [b, a, k...]
  std::vector<int> perm = {static_cast<int>(nd) + 1, static_cast<int>(nd)};
  for (size_t i = 0; i < nd; ++i) perm.push_back(static_cast<int>(i));
  return perm;
}

void check_rank(LayerContext& c, size_t nd) {
  if (c.rank(0) != static_cast<int>(nd) + 2)
    c.invalid("expects a rank-" + std::to_string(nd + 2) + " input, the model gives rank " + std::to_string(c.rank(0)));
}

std::vector<int> finish(LayerContext& c, int y) { return {apply_activation(c, y, activation_name(c), "act")}; }

// What Conv and ConvTranspose layers share: one input of rank nd + 2, the
// filters, kernel size, strides, dilation and use_bias, then (take_conv_weights)
// a kernel [ks..., in, filters] ([ks..., filters, in] transposed) and the bias.
struct ConvLayer {
  size_t nd;
  int64_t filters;
  std::vector<int64_t> ks, strides, dil;
  bool use_bias;
  std::vector<Tensor> w;  // kernel, bias
};

ConvLayer read_conv_layer(LayerContext& c, size_t nd) {
  c.expect_inputs(1, 1);
  check_rank(c, nd);
  return {nd, c.get_int("filters", -1), c.get_ints("kernel_size", nd), c.get_ints("strides", nd, {1}),
          c.get_ints("dilation_rate", nd, {1}), c.get_bool("use_bias", true), {}};
}

void take_conv_weights(LayerContext& c, ConvLayer& l, bool transposed) {
  l.w = c.take_weights(l.use_bias ? std::vector<std::string>{"kernel", "bias"} : std::vector<std::string>{"kernel"});
  Shape want(l.ks.begin(), l.ks.end());
  want.push_back(transposed ? l.filters : -1);
  want.push_back(transposed ? -1 : l.filters);
  c.check_shape(l.w[0], "kernel", want);
  if (l.use_bias) c.check_shape(l.w[1], "bias", {l.filters});
}

// The node over the input, the kernel in ONNX order (its two channel dims moved
// before the spatial ones) and the bias.
std::vector<int> emit_conv(LayerContext& c, const ConvLayer& l, OpType op, const char* name, const Attrs& a) {
  std::vector<int> in = {c.input(0), c.constant("kernel", permute(l.w[0], spatial_perm_to_front(l.nd)))};
  if (l.use_bias) in.push_back(c.constant("bias", l.w[1]));
  return finish(c, c.emit(op, in, name, a));
}

std::vector<int> translate_conv(LayerContext& c, size_t nd) {
  ConvLayer l = read_conv_layer(c, nd);
  int64_t groups = c.get_int("groups", 1);
  take_conv_weights(c, l, false);
  Attrs a = spatial_attrs(c, nd, l.ks, l.strides, l.dil);
  a.set("group", groups);
  return emit_conv(c, l, OpType::Conv, "conv", a);
}

std::vector<int> translate_conv1d(LayerContext& c) { return translate_conv(c, 1); }
std::vector<int> translate_conv2d(LayerContext& c) { return translate_conv(c, 2); }
std::vector<int> translate_conv3d(LayerContext& c) { return translate_conv(c, 3); }

// Depthwise kernel [kh, kw, in, mult] -> [in*mult, 1, kh, kw]: output channel
// c*mult + m of TF's depthwise conv reads input channel c with multiplier m.
Tensor depthwise_to_onnx(const Tensor& k) {
  Tensor t = permute(k, {2, 3, 0, 1});
  return t.reshaped({k.dim(2) * k.dim(3), 1, k.dim(0), k.dim(1)});
}

int depthwise(LayerContext& c, const Tensor& kernel, const std::vector<int64_t>& ks, int bias, const char* suffix) {
  auto strides = c.get_ints("strides", 2, {1});
  auto dil = c.get_ints("dilation_rate", 2, {1});
  Attrs a = spatial_attrs(c, 2, ks, strides, dil);
  a.set("group", kernel.dim(2));
  std::vector<int> in = {c.input(0), c.constant(std::string(suffix) + "_kernel", depthwise_to_onnx(kernel))};
  if (bias >= 0) in.push_back(bias);
  return c.emit(OpType::Conv, in, suffix, a);
}

std::vector<int> translate_depthwise(LayerContext& c) {
  c.expect_inputs(1, 1);
  check_rank(c, 2);
  auto ks = c.get_ints("kernel_size", 2);
  int64_t mult = c.get_int("depth_multiplier", 1);
  bool use_bias = c.get_bool("use_bias", true);
  auto w = c.take_weights(use_bias ? std::vector<std::string>{"depthwise_kernel", "bias"}
                                   : std::vector<std::string>{"depthwise_kernel"});
  c.check_shape(w[0], "depthwise_kernel", {ks[0], ks[1], -1, mult});
  int bias = -1;
  if (use_bias) {
    c.check_shape(w[1], "bias", {w[0].dim(2) * mult});
    bias = c.constant("bias", w[1]);
  }
  return finish(c, depthwise(c, w[0], ks, bias, "depthwise"));
}

// SeparableConv2D = depthwise (strides, padding, dilation) then a 1x1 pointwise conv with the bias.
std::vector<int> translate_separable(LayerContext& c) {
  c.expect_inputs(1, 1);
  check_rank(c, 2);
  auto ks = c.get_ints("kernel_size", 2);
  int64_t mult = c.get_int("depth_multiplier", 1);
  int64_t filters = c.get_int("filters", -1);
  bool use_bias = c.get_bool("use_bias", true);
  std::vector<std::string> names = {"depthwise_kernel", "pointwise_kernel"};
  if (use_bias) names.push_back("bias");
  auto w = c.take_weights(names);
  c.check_shape(w[0], "depthwise_kernel", {ks[0], ks[1], -1, mult});
  c.check_shape(w[1], "pointwise_kernel", {1, 1, w[0].dim(2) * mult, filters});
  if (use_bias) c.check_shape(w[2], "bias", {filters});
  int dw = depthwise(c, w[0], ks, -1, "depthwise");
  Attrs a;
  a.set("kernel_shape", std::vector<int64_t>{1, 1});
  a.set("strides", std::vector<int64_t>{1, 1});
  a.set("pads", std::vector<int64_t>{0, 0, 0, 0});
  a.set("layout", c.channels_last() ? "NHWC" : "NCHW");
  std::vector<int> in = {dw, c.constant("pointwise_kernel", permute(w[1], {3, 2, 0, 1}))};
  if (use_bias) in.push_back(c.constant("bias", w[2]));
  return finish(c, c.emit(OpType::Conv, in, "pointwise", a));
}

// Conv{1,2}DTranspose, TF's conv_transpose with the output size Keras asks for:
//   same,  no output_padding: out = in*s            valid: out = in*s + max(k_eff - s, 0)
//   with output_padding p:   out = (in-1)*s + k_eff - 2*(k_eff/2) + p (same), + p (valid)
// TF crops total = max((in-1)*s + k_eff - out, 0) with the smaller half first;
// in ONNX terms: pads (begin = total/2) and output_padding = out - ((in-1)*s + k_eff - total).
// Neither depends on `in`, so dynamic spatial sizes work.
std::vector<int> translate_conv_transpose(LayerContext& c, size_t nd) {
  ConvLayer l = read_conv_layer(c, nd);
  const std::vector<int64_t>&ks = l.ks, &strides = l.strides, &dil = l.dil;
  bool has_op = c.has("output_padding");
  std::vector<int64_t> op_keras = has_op ? c.get_ints("output_padding", nd) : std::vector<int64_t>(nd, 0);
  std::string padding = c.get_str("padding", "valid");
  if (padding != "same" && padding != "valid") c.unsupported("padding '" + padding + "'");
  take_conv_weights(c, l, true);

  std::vector<int64_t> pads(2 * nd, 0), out_pad(nd, 0);
  for (size_t i = 0; i < nd; ++i) {
    int64_t s = strides[i], k_eff = (ks[i] - 1) * dil[i] + 1;
    if (has_op && op_keras[i] >= s) c.invalid("output_padding must be smaller than the stride");
    // out - (in-1)*s, which does not depend on in:
    int64_t extent = padding == "same" ? (has_op ? k_eff - 2 * (k_eff / 2) + op_keras[i] : s)
                                       : (has_op ? k_eff + op_keras[i] : s + std::max<int64_t>(k_eff - s, 0));
    int64_t total = std::max<int64_t>(k_eff - extent, 0);
    pads[i] = total / 2;
    pads[i + nd] = total - total / 2;
    out_pad[i] = extent - (k_eff - total);
  }
  Attrs a;
  a.set("kernel_shape", ks);
  a.set("strides", strides);
  a.set("dilations", dil);
  a.set("pads", pads);
  a.set("output_padding", out_pad);
  a.set("group", int64_t{1});
  a.set("layout", c.channels_last() ? "NHWC" : "NCHW");
  return emit_conv(c, l, OpType::ConvTranspose, "conv_transpose", a);
}

std::vector<int> translate_conv1d_transpose(LayerContext& c) { return translate_conv_transpose(c, 1); }
std::vector<int> translate_conv2d_transpose(LayerContext& c) { return translate_conv_transpose(c, 2); }

// Dense acts on the last axis of any rank: MatMul(x, W) + b.
std::vector<int> translate_dense(LayerContext& c) {
  c.expect_inputs(1, 1);
  int64_t units = c.get_int("units", -1);
  bool use_bias = c.get_bool("use_bias", true);
  auto w = c.take_weights(use_bias ? std::vector<std::string>{"kernel", "bias"} : std::vector<std::string>{"kernel"});
  c.check_shape(w[0], "kernel", {-1, units});
  int y = c.emit(OpType::MatMul, {c.input(0), c.constant("kernel", w[0])}, "matmul");
  if (use_bias) {
    c.check_shape(w[1], "bias", {units});
    y = c.emit(OpType::Add, {y, c.constant("bias", w[1])}, "bias_add");
  }
  return finish(c, y);
}

}  // namespace

SEGRT_KERAS_LAYER("Conv1D", translate_conv1d);
SEGRT_KERAS_LAYER("Conv2D", translate_conv2d);
SEGRT_KERAS_LAYER("Conv3D", translate_conv3d);
SEGRT_KERAS_LAYER("DepthwiseConv2D", translate_depthwise);
SEGRT_KERAS_LAYER("SeparableConv2D", translate_separable);
SEGRT_KERAS_LAYER("Conv1DTranspose", translate_conv1d_transpose);
SEGRT_KERAS_LAYER("Conv2DTranspose", translate_conv2d_transpose);
SEGRT_KERAS_LAYER("Dense", translate_dense);

}  // namespace segrt::keras
