// Shapes of Concat and Split: joining and cutting tensors along one axis.
// Split's sizes come from the optional constant input `split`; without it the
// axis is cut into as many equal parts as the node has outputs (opset 18's
// num_outputs, kept as an attribute, allows a smaller last part).
#include "ir/ops/concat_util.h"

#include <algorithm>

#include "ir/shape.h"

namespace segrt {

std::vector<int64_t> split_sizes(int64_t dim, int num_outputs, const Tensor* split, bool uneven_last) {
  std::vector<int64_t> sizes;
  if (split) {
    sizes = split->to_i64_vector();
    SEGRT_CHECK(static_cast<int>(sizes.size()) == num_outputs, InvalidModel, "split has ", sizes.size(),
                " sizes for ", num_outputs, " outputs");
    int64_t sum = 0;
    for (int64_t s : sizes) {
      SEGRT_CHECK(s >= 0, InvalidModel, "split sizes must be >= 0, got ", s);
      sum += s;
    }
    SEGRT_CHECK(sum == dim, InvalidModel, "split sizes add up to ", sum, ", the axis has ", dim);
    return sizes;
  }
  SEGRT_CHECK(num_outputs >= 1, InvalidModel, "Split needs at least one output");
  if (dim % num_outputs == 0) return std::vector<int64_t>(num_outputs, dim / num_outputs);
  SEGRT_CHECK(uneven_last, InvalidModel, "an axis of ", dim, " cannot be split into ", num_outputs,
              " equal parts");
  // Opset 18: every part ceil(dim / n), the last one what remains.
  int64_t part = (dim + num_outputs - 1) / num_outputs;
  for (int i = 0; i < num_outputs; ++i) sizes.push_back(std::max<int64_t>(0, std::min(part, dim - i * part)));
  return sizes;
}

namespace {

void infer_concat(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() >= 1, InvalidModel, "Concat needs at least one input");
  SEGRT_CHECK(c.attrs().has("axis"), InvalidModel, "Concat needs an axis attribute");
  const int r = c.rank(0);
  SEGRT_CHECK(r >= 1, InvalidModel, "Concat cannot join scalars");
  const int axis = normalize_axis(c.attrs().i("axis", 0), r);
  Shape out = c.shape(0);
  Layout layout = c.layout(0);
  for (int i = 1; i < c.num_inputs(); ++i) {
    const Shape& s = c.shape(i);
    SEGRT_CHECK(c.dtype(i) == c.dtype(0), InvalidModel, "input ", i, " is ", dtype_name(c.dtype(i)), ", input 0 is ",
                dtype_name(c.dtype(0)));
    bool same = static_cast<int>(s.size()) == r;
    for (int d = 0; same && d < r; ++d) same = d == axis || s[d] == out[d];
    SEGRT_CHECK(same, InvalidModel, "input ", i, " has shape ", shape_str(s), ", which does not fit ",
                shape_str(c.shape(0)), " outside axis ", axis);
    out[axis] += s[axis];
    if (c.layout(i) != layout) layout = Layout::Plain;
  }
  c.set_output(0, c.dtype(0), out, layout);
}

void infer_split(InferContext& c) {
  const int r = c.rank(0);
  SEGRT_CHECK(r >= 1, InvalidModel, "Split cannot cut a scalar");
  const int axis = normalize_axis(c.attrs().i("axis", 0), r);
  const Tensor* split = c.has_input(1) ? &c.require_constant(1, "split") : nullptr;
  auto sizes = split_sizes(c.shape(0)[axis], c.num_outputs(), split, c.attrs().has("num_outputs"));
  for (int i = 0; i < c.num_outputs(); ++i) {
    Shape s = c.shape(0);
    s[axis] = sizes[i];
    c.set_output(i, c.dtype(0), s, c.layout(0));
  }
}

}  // namespace

SEGRT_SHAPE_FN(Concat, infer_concat);
SEGRT_SHAPE_FN(Split, infer_split);

}  // namespace segrt
