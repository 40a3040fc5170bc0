// Shapes of BatchNormalization (inference form: X, scale, B, mean, var) and
// InstanceNormalization; the channel axis follows the `layout` attribute.
#include "ir/ops/conv_util.h"
#include "ir/shape.h"

namespace segrt {

namespace {

// Every per-channel parameter (inputs 1..n-1) must be [C].
void check_per_channel(InferContext& c, int64_t channels) {
  for (int i = 1; i < c.num_inputs(); ++i)
    SEGRT_CHECK(c.has_input(i) && c.shape(i) == Shape{channels}, InvalidModel, op_name(c.node().op), " input ", i,
                " should have shape [", channels, "], got ",
                c.has_input(i) ? shape_str(c.shape(i)) : std::string("nothing"));
}

Layout layout_of(const Attrs& a) { return is_channels_last(a) ? Layout::NHWC : Layout::NCHW; }

void infer_batch_norm(InferContext& c) {
  SEGRT_CHECK(c.attrs().i("training_mode", 0) == 0, Unsupported,
              "BatchNormalization training_mode=1 (segrt runs inference only)");
  SEGRT_CHECK(c.num_outputs() == 1, Unsupported, "BatchNormalization with ", c.num_outputs(),
              " outputs (running mean/variance outputs exist only in training)");
  SEGRT_CHECK(c.num_inputs() == 5, InvalidModel, "BatchNormalization takes 5 inputs, got ", c.num_inputs());
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, "BatchNormalization on ", dtype_name(c.dtype(0)), " tensors");
  const Shape& x = c.shape(0);
  SEGRT_CHECK(x.size() >= 2, InvalidModel, "BatchNormalization input ", shape_str(x), " has no channel axis");
  int64_t channels = x.size() == 2 ? x[1] : x[channel_axis(c.attrs(), static_cast<int>(x.size()))];
  check_per_channel(c, channels);
  c.set_output(0, c.dtype(0), x, x.size() > 2 ? layout_of(c.attrs()) : c.layout(0));
}

void infer_instance_norm(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 3, InvalidModel, "InstanceNormalization takes 3 inputs, got ", c.num_inputs());
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, "InstanceNormalization on ", dtype_name(c.dtype(0)),
              " tensors");
  const Shape& x = c.shape(0);
  SEGRT_CHECK(x.size() >= 3, InvalidModel, "InstanceNormalization input ", shape_str(x), " has no spatial axis");
  check_per_channel(c, x[channel_axis(c.attrs(), static_cast<int>(x.size()))]);
  c.set_output(0, c.dtype(0), x, layout_of(c.attrs()));
}

}  // namespace

SEGRT_SHAPE_FN(BatchNormalization, infer_batch_norm);
SEGRT_SHAPE_FN(InstanceNormalization, infer_instance_norm);

}  // namespace segrt
