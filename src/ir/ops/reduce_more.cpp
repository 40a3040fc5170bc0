// Shapes of the reductions beyond ReduceMean: ReduceMax/Min/Sum/Prod/L1/L2/
// LogSum/LogSumExp/SumSquare (axes as an attribute, or from opset 18 -- 13 for
// ReduceSum -- as an optional input, which must be known when shapes are
// inferred), ArgMin, TopK (K an input), CumSum and Hardmax.
#include "ir/ops/reduce_more_util.h"

#include "ir/ops/reduce_util.h"
#include "ir/ops/softmax_util.h"
#include "ir/shape.h"

namespace segrt {

Attrs reduce_attrs_with_axes(const Attrs& a, const Tensor* axes_input) {
  Attrs r = a;
  if (axes_input) r.set("axes", axes_input->to_i64_vector());
  return r;
}

Shape reduce_output_shape(const Shape& in, const std::vector<char>& red, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!red[d]) out.push_back(in[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

namespace {

void infer_reduce(InferContext& c) {
  SEGRT_CHECK(c.dtype(0) != DType::boolean, Unsupported, op_name(c.node().op), " on bool tensors");
  const Tensor* axes = c.has_input(1) ? &c.require_constant(1, "reduction axes") : nullptr;
  auto red = reduced_axes(reduce_attrs_with_axes(c.attrs(), axes), c.rank(0));
  c.set_output(0, c.dtype(0), reduce_output_shape(c.shape(0), red, c.attrs().i("keepdims", 1) != 0));
}

void infer_argmin(InferContext& c) {
  const int r = c.rank(0);
  SEGRT_CHECK(r >= 1, InvalidModel, "ArgMin needs an input of rank >= 1");
  std::vector<char> red(r, 0);
  const int axis = normalize_axis(c.attrs().i("axis", 0), r);
  red[axis] = 1;
  SEGRT_CHECK(c.shape(0)[axis] > 0, InvalidModel, "ArgMin over an empty axis");
  c.set_output(0, DType::i64, reduce_output_shape(c.shape(0), red, c.attrs().i("keepdims", 1) != 0));
}

void infer_topk(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 2 && c.num_outputs() == 2, InvalidModel, "TopK takes (X, K) and gives (Values, Indices)");
  const int r = c.rank(0);
  SEGRT_CHECK(r >= 1, InvalidModel, "TopK needs an input of rank >= 1");
  const int axis = normalize_axis(c.attrs().i("axis", -1), r);
  auto k = c.require_constant(1, "TopK's K").to_i64_vector();
  SEGRT_CHECK(k.size() == 1 && k[0] >= 0 && k[0] <= c.shape(0)[axis], InvalidModel, "TopK K=",
              k.empty() ? -1 : k[0], " for an axis of ", c.shape(0)[axis]);
  Shape s = c.shape(0);
  s[axis] = k[0];
  c.set_output(0, c.dtype(0), s);
  c.set_output(1, DType::i64, s);
}

void infer_cumsum(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 2 && c.shape(1).size() <= 1, InvalidModel, "CumSum takes (X, scalar axis)");
  infer_same_as_input0(c);
}

void infer_hardmax(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), InvalidModel, "Hardmax on ", dtype_name(c.dtype(0)));
  softmax_geometry(c.attrs(), c.shape(0));  // validates the axis
  infer_same_as_input0(c);
}

}  // namespace

SEGRT_SHAPE_FN(ReduceMax, infer_reduce);
SEGRT_SHAPE_FN(ReduceMin, infer_reduce);
SEGRT_SHAPE_FN(ReduceSum, infer_reduce);
SEGRT_SHAPE_FN(ReduceProd, infer_reduce);
SEGRT_SHAPE_FN(ReduceL1, infer_reduce);
SEGRT_SHAPE_FN(ReduceL2, infer_reduce);
SEGRT_SHAPE_FN(ReduceLogSum, infer_reduce);
SEGRT_SHAPE_FN(ReduceLogSumExp, infer_reduce);
SEGRT_SHAPE_FN(ReduceSumSquare, infer_reduce);
SEGRT_SHAPE_FN(ArgMin, infer_argmin);
SEGRT_SHAPE_FN(TopK, infer_topk);
SEGRT_SHAPE_FN(CumSum, infer_cumsum);
SEGRT_SHAPE_FN(Hardmax, infer_hardmax);

}  // namespace segrt
