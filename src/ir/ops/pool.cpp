// Shapes of MaxPool, AveragePool (1-D to 3-D windows, pads, auto_pad,
// ceil_mode, dilations; NCHW or NHWC) and the global pools.
#include "ir/ops/conv_util.h"
#include "ir/shape.h"

namespace segrt {

namespace {

Layout layout_of(const Attrs& a) { return is_channels_last(a) ? Layout::NHWC : Layout::NCHW; }

void infer_pool(InferContext& c) {
  bool is_max = c.node().op == OpType::MaxPool;
  DType t = c.dtype(0);
  SEGRT_CHECK(dtype_is_float(t) || (is_max && (t == DType::u8 || t == DType::i8)), Unsupported, op_name(c.node().op),
              " on ", dtype_name(t), " tensors");
  const Shape& x = c.shape(0);
  ConvGeometry g = pool_geometry(c.attrs(), x);
  int64_t channels = x[channel_axis(c.attrs(), static_cast<int>(x.size()))];
  Shape out = make_activation_shape(c.attrs(), x[0], channels, g.out);
  c.set_output(0, t, out, layout_of(c.attrs()));
  if (c.num_outputs() > 1) {  // MaxPool's Indices
    SEGRT_CHECK(!is_channels_last(c.attrs()), Unsupported, "MaxPool Indices output with layout NHWC");
    c.set_output(1, DType::i64, out, layout_of(c.attrs()));
  }
}

void infer_global_pool(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, op_name(c.node().op), " on ", dtype_name(c.dtype(0)), " tensors");
  const Shape& x = c.shape(0);
  std::vector<int64_t> ones(spatial_sizes(c.attrs(), x).size(), 1);
  int64_t channels = x[channel_axis(c.attrs(), static_cast<int>(x.size()))];
  c.set_output(0, c.dtype(0), make_activation_shape(c.attrs(), x[0], channels, ones), layout_of(c.attrs()));
}

}  // namespace

SEGRT_SHAPE_FN(MaxPool, infer_pool);
SEGRT_SHAPE_FN(AveragePool, infer_pool);
SEGRT_SHAPE_FN(GlobalAveragePool, infer_global_pool);
SEGRT_SHAPE_FN(GlobalMaxPool, infer_global_pool);

}  // namespace segrt
