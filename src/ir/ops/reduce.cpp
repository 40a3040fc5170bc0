// Shapes of the reductions: ArgMax (one axis, int64 result) and ReduceMean
// (axes as an attribute, as in opset 17; keepdims keeps reduced dims as 1).
#include "ir/ops/reduce_util.h"

#include <algorithm>

#include "ir/shape.h"

namespace segrt {

std::vector<char> reduced_axes(const Attrs& a, int rank) {
  std::vector<char> red(rank, 0);
  auto axes = a.ints("axes");
  if (axes.empty()) {
    if (a.i("noop_with_empty_axes", 0) == 0) red.assign(rank, 1);
    return red;
  }
  for (int64_t ax : axes) {
    int d = normalize_axis(ax, rank);
    SEGRT_CHECK(!red[d], InvalidModel, "axes name axis ", ax, " twice");
    red[d] = 1;
  }
  return red;
}

namespace {

Shape reduced_shape(const Shape& in, const std::vector<char>& red, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!red[d]) out.push_back(in[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

void infer_argmax(InferContext& c) {
  const int r = c.rank(0);
  SEGRT_CHECK(r >= 1, InvalidModel, "ArgMax needs an input of rank >= 1");
  std::vector<char> red(r, 0);
  red[normalize_axis(c.attrs().i("axis", 0), r)] = 1;
  SEGRT_CHECK(c.shape(0)[std::find(red.begin(), red.end(), 1) - red.begin()] > 0, InvalidModel,
              "ArgMax over an empty axis");
  c.set_output(0, DType::i64, reduced_shape(c.shape(0), red, c.attrs().i("keepdims", 1) != 0));
}

void infer_reduce_mean(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)) || c.dtype(0) == DType::i64 || c.dtype(0) == DType::i32, Unsupported,
              "ReduceMean on ", dtype_name(c.dtype(0)), " tensors");
  auto red = reduced_axes(c.attrs(), c.rank(0));
  c.set_output(0, c.dtype(0), reduced_shape(c.shape(0), red, c.attrs().i("keepdims", 1) != 0));
}

}  // namespace

SEGRT_SHAPE_FN(ArgMax, infer_argmax);
SEGRT_SHAPE_FN(ReduceMean, infer_reduce_mean);

}  // namespace segrt
