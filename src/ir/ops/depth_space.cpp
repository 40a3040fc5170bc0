// Shapes of DepthToSpace (modes DCR and CRD) and SpaceToDepth on 4-D
// activations, NCHW or NHWC.
#include "ir/ops/conv_util.h"
#include "ir/shape.h"

namespace segrt {

namespace {

Layout layout_of(const Attrs& a) { return is_channels_last(a) ? Layout::NHWC : Layout::NCHW; }

void infer_depth_to_space(InferContext& c) {
  const Shape& x = c.shape(0);
  SEGRT_CHECK(x.size() == 4, InvalidModel, "DepthToSpace expects a 4-D input, got ", shape_str(x));
  std::string mode = c.attrs().s("mode", "DCR");
  SEGRT_CHECK(mode == "DCR" || mode == "CRD", InvalidModel, "DepthToSpace mode '", mode, "' (expected DCR or CRD)");
  int64_t b = c.attrs().i("blocksize", 0);
  int64_t ch = x[channel_axis(c.attrs(), 4)];
  SEGRT_CHECK(b >= 1 && ch % (b * b) == 0, InvalidModel, "DepthToSpace blocksize ", b, " does not divide ", ch,
              " channels into blocks of blocksize^2");
  auto sp = spatial_sizes(c.attrs(), x);
  c.set_output(0, c.dtype(0), make_activation_shape(c.attrs(), x[0], ch / (b * b), {sp[0] * b, sp[1] * b}),
               layout_of(c.attrs()));
}

void infer_space_to_depth(InferContext& c) {
  const Shape& x = c.shape(0);
  SEGRT_CHECK(x.size() == 4, InvalidModel, "SpaceToDepth expects a 4-D input, got ", shape_str(x));
  int64_t b = c.attrs().i("blocksize", 0);
  auto sp = spatial_sizes(c.attrs(), x);
  SEGRT_CHECK(b >= 1 && sp[0] % b == 0 && sp[1] % b == 0, InvalidModel, "SpaceToDepth blocksize ", b,
              " does not divide the spatial size ", sp[0], "x", sp[1]);
  int64_t ch = x[channel_axis(c.attrs(), 4)];
  c.set_output(0, c.dtype(0), make_activation_shape(c.attrs(), x[0], ch * b * b, {sp[0] / b, sp[1] / b}),
               layout_of(c.attrs()));
}

}  // namespace

SEGRT_SHAPE_FN(DepthToSpace, infer_depth_to_space);
SEGRT_SHAPE_FN(SpaceToDepth, infer_space_to_depth);

}  // namespace segrt
