// Shape of Resize (canonical opset-13+ form: X, roi, scales, sizes; Upsample
// and Resize-10/11 are rewritten into it by the importer). scales or sizes
// must be known once the model is specialised to its input shapes.
#include "ir/ops/resize_util.h"
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_resize(InferContext& c) {
  // roi matters only to tf_crop_and_resize (the importer drops it otherwise).
  const Tensor* roi = c.has_input(1) ? &c.require_constant(1, "Resize roi") : nullptr;
  const Tensor* scales = c.has_input(2) ? &c.require_constant(2, "Resize scales") : nullptr;
  const Tensor* sizes = c.has_input(3) ? &c.require_constant(3, "Resize sizes") : nullptr;
  ResizeParams p = resize_params(c.attrs(), c.shape(0), roi, scales, sizes);
  c.set_output(0, c.dtype(0), p.out, c.layout(0));
}

}  // namespace

SEGRT_SHAPE_FN(Resize, infer_resize);

}  // namespace segrt
