// Shapes of Conv and ConvTranspose (1-D, 2-D, 3-D; NCHW or NHWC activations,
// weights always in ONNX order). Geometry lives in conv_util.h so backends
// compute exactly the same pads and sizes.
#include "ir/ops/conv_util.h"
#include "ir/shape.h"

namespace segrt {

namespace {

// Bias [M] (input 2) and the fused residual (input 3, same shape as the output).
void check_bias_and_residual(InferContext& c, int64_t out_channels, const Shape& out) {
  if (c.has_input(2))
    SEGRT_CHECK(c.shape(2) == Shape{out_channels}, InvalidModel, "bias ", shape_str(c.shape(2)), " should be [",
                out_channels, "]");
  if (c.has_input(3))
    SEGRT_CHECK(c.shape(3) == out, InvalidModel, "residual input ", shape_str(c.shape(3)),
                " should have the output's shape ", shape_str(out));
}

void check_float(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, op_name(c.node().op), " on ", dtype_name(c.dtype(0)),
              " tensors (float tensors only)");
}

Layout layout_of(const Attrs& a) { return is_channels_last(a) ? Layout::NHWC : Layout::NCHW; }

void infer_conv(InferContext& c) {
  check_float(c);
  const Shape& x = c.shape(0);
  const Shape& w = c.shape(1);
  ConvGeometry g = conv_geometry(c.attrs(), x, w);
  int64_t group = c.attrs().i("group", 1);
  int64_t channels = x[channel_axis(c.attrs(), static_cast<int>(x.size()))];
  SEGRT_CHECK(group >= 1 && w[0] % group == 0 && channels == w[1] * group, InvalidModel, "input channels ", channels,
              ", weights ", shape_str(w), " and group ", group, " do not agree (need C = W[1] * group, W[0] % group = 0)");
  Shape out = make_activation_shape(c.attrs(), x[0], w[0], g.out);
  check_bias_and_residual(c, w[0], out);
  c.set_output(0, c.dtype(0), out, layout_of(c.attrs()));
}

void infer_conv_transpose(InferContext& c) {
  check_float(c);
  const Shape& x = c.shape(0);
  const Shape& w = c.shape(1);
  ConvGeometry g = conv_transpose_geometry(c.attrs(), x, w);
  int64_t group = c.attrs().i("group", 1);
  int64_t channels = x[channel_axis(c.attrs(), static_cast<int>(x.size()))];
  SEGRT_CHECK(group >= 1 && channels == w[0] && w[0] % group == 0, InvalidModel, "input channels ", channels,
              ", weights ", shape_str(w), " and group ", group, " do not agree (need C = W[0], C % group = 0)");
  for (size_t i = 0; i < g.in.size(); ++i)
    SEGRT_CHECK(g.output_padding[i] < std::max(g.strides[i], g.dilations[i]), InvalidModel, "output_padding ",
                g.output_padding[i], " must be smaller than the stride or the dilation");
  Shape out = make_activation_shape(c.attrs(), x[0], w[1] * group, g.out);
  check_bias_and_residual(c, w[1] * group, out);
  c.set_output(0, c.dtype(0), out, layout_of(c.attrs()));
}

}  // namespace

SEGRT_SHAPE_FN(Conv, infer_conv);
SEGRT_SHAPE_FN(ConvTranspose, infer_conv_transpose);

}  // namespace segrt
