// Shapes of LayerNormalization (optional Mean / InvStdDev outputs, reduced
// over axes [axis, rank)), GroupNormalization (scale/bias per group as in
// opset 18 or per channel as in opset 21: told apart by their length),
// LpNormalization, MeanVarianceNormalization and LRN: all keep X's shape.
#include "ir/shape.h"

namespace segrt {

namespace {

void require_float(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, op_name(c.node().op), " on ", dtype_name(c.dtype(0)),
              " tensors");
}

void infer_layer_norm(InferContext& c) {
  require_float(c);
  SEGRT_CHECK(c.num_inputs() >= 2, InvalidModel, "LayerNormalization takes (X, Scale[, B])");
  const int axis = normalize_axis(c.attrs().i("axis", -1), c.rank(0));
  Shape norm(c.shape(0).begin() + axis, c.shape(0).end());
  for (int i = 1; i < c.num_inputs(); ++i)
    if (c.has_input(i))
      SEGRT_CHECK(broadcast_shapes(norm, c.shape(i)) == norm, InvalidModel, "LayerNormalization input ", i, " ",
                  shape_str(c.shape(i)), " does not broadcast to ", shape_str(norm));
  c.set_output(0, c.dtype(0), c.shape(0));
  Shape stat = c.shape(0);
  for (size_t d = axis; d < stat.size(); ++d) stat[d] = 1;
  for (int i = 1; i < c.num_outputs(); ++i) c.set_output(i, DType::f32, stat);
}

void infer_group_norm(InferContext& c) {
  require_float(c);
  SEGRT_CHECK(c.num_inputs() == 3 && c.rank(0) >= 2, InvalidModel, "GroupNormalization takes (X[N,C,...], scale, bias)");
  const int64_t groups = c.attrs().i("num_groups", 0), channels = c.shape(0)[1];
  SEGRT_CHECK(groups > 0 && channels % groups == 0, InvalidModel, "GroupNormalization num_groups=", groups, " for ",
              channels, " channels");
  for (int i = 1; i < 3; ++i)
    SEGRT_CHECK(c.shape(i) == Shape{channels} || c.shape(i) == Shape{groups}, InvalidModel, "GroupNormalization input ",
                i, " ", shape_str(c.shape(i)), " is neither per channel nor per group");
  infer_same_as_input0(c);
}

void infer_lp_norm(InferContext& c) {
  require_float(c);
  const int64_t p = c.attrs().i("p", 2);
  SEGRT_CHECK(p == 1 || p == 2, InvalidModel, "LpNormalization p=", p, " (1 or 2)");
  normalize_axis(c.attrs().i("axis", -1), c.rank(0));
  infer_same_as_input0(c);
}

void infer_mvn(InferContext& c) {
  require_float(c);
  for (int64_t a : c.attrs().ints("axes", {0, 2, 3})) normalize_axis(a, c.rank(0));
  infer_same_as_input0(c);
}

void infer_lrn(InferContext& c) {
  require_float(c);
  SEGRT_CHECK(c.rank(0) >= 3 && c.attrs().i("size", 0) > 0, InvalidModel, "LRN needs X[N,C,...] and size > 0");
  infer_same_as_input0(c);
}

}  // namespace

SEGRT_SHAPE_FN(LayerNormalization, infer_layer_norm);
SEGRT_SHAPE_FN(GroupNormalization, infer_group_norm);
SEGRT_SHAPE_FN(LpNormalization, infer_lp_norm);
SEGRT_SHAPE_FN(MeanVarianceNormalization, infer_mvn);
SEGRT_SHAPE_FN(LRN, infer_lrn);

}  // namespace segrt
