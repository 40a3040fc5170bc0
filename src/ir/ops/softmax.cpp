// Shapes of Softmax and LogSoftmax (same as the input). Two semantics:
//  * default (opset 13+): normalise over the one axis `axis` (default -1);
//  * legacy_flatten=1 (opsets 1-12, set by the importer): view the input as
//    2-D [prod(dims[:axis]), prod(dims[axis:])] and normalise each row
//    (default axis 1).
#include "ir/ops/softmax_util.h"

#include "ir/shape.h"

namespace segrt {

SoftmaxGeometry softmax_geometry(const Attrs& a, const Shape& s) {
  const int r = static_cast<int>(s.size());
  const bool legacy = a.i("legacy_flatten", 0) != 0;
  int64_t axis = a.i("axis", legacy ? 1 : -1);
  SoftmaxGeometry g;
  if (r == 0) return g;  // a scalar normalises to itself
  if (legacy) {  // axis may equal the rank: one row per element
    if (axis < 0) axis += r;
    SEGRT_CHECK(axis >= 0 && axis <= r, InvalidModel, "axis ", a.i("axis", 1), " out of range for rank ", r);
    for (int d = 0; d < r; ++d) (d < axis ? g.outer : g.n) *= s[d];
    return g;
  }
  const int ax = normalize_axis(axis, r);
  for (int d = 0; d < r; ++d) {
    if (d < ax) g.outer *= s[d];
    else if (d == ax) g.n = s[d];
    else g.inner *= s[d];
  }
  return g;
}

namespace {

void infer_softmax(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, op_name(c.node().op), " on ", dtype_name(c.dtype(0)),
              " tensors (float tensors only)");
  softmax_geometry(c.attrs(), c.shape(0));  // validates the axis
  infer_same_as_input0(c);
}

}  // namespace

SEGRT_SHAPE_FN(Softmax, infer_softmax);
SEGRT_SHAPE_FN(LogSoftmax, infer_softmax);

}  // namespace segrt
