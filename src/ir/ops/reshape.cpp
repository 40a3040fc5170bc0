// Shapes of the ops that only relabel dimensions: Reshape (0 copies a dim
// unless allowzero, -1 is inferred), Flatten (2-D at axis), Squeeze and
// Unsqueeze (axes as a constant input, as in opset 13+).
#include <algorithm>

#include "ir/shape.h"

namespace segrt {

namespace {

void infer_reshape(InferContext& c) {
  const Shape& in = c.shape(0);
  auto target = c.require_constant(1, "shape").to_i64_vector();
  const bool allowzero = c.attrs().i("allowzero", 0) != 0;
  Shape out;
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && !allowzero) {
      SEGRT_CHECK(i < in.size(), InvalidModel, "shape ", shape_str(target), " copies dim ", i, " (0) of a rank-",
                  in.size(), " input");
      d = in[i];
    } else if (d == -1) {
      SEGRT_CHECK(infer_at < 0, InvalidModel, "shape ", shape_str(target), " has more than one -1");
      infer_at = static_cast<int>(i);
      out.push_back(-1);
      continue;
    }
    SEGRT_CHECK(d >= 0, InvalidModel, "shape ", shape_str(target), " has a negative dim ", d);
    out.push_back(d);
    known = dim_mul(known, d);
  }
  const int64_t n = shape_numel(in);
  if (infer_at >= 0) {
    SEGRT_CHECK(known != 0 && n % known == 0, InvalidModel, "cannot reshape ", shape_str(in), " (", n,
                " elements) to ", shape_str(target));
    out[infer_at] = n / known;
  }
  SEGRT_CHECK(shape_numel(out) == n, InvalidModel, "cannot reshape ", shape_str(in), " (", n, " elements) to ",
              shape_str(target));
  c.set_output(0, c.dtype(0), out);
}

void infer_flatten(InferContext& c) {
  const Shape& in = c.shape(0);
  const int r = c.rank(0);
  int64_t axis = c.attrs().i("axis", 1);
  if (axis < 0) axis += r;
  SEGRT_CHECK(axis >= 0 && axis <= r, InvalidModel, "Flatten axis ", c.attrs().i("axis", 1),
              " out of range for rank ", r);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < r; ++d) {
    int64_t& part = d < axis ? outer : inner;
    part = dim_mul(part, in[d]);
  }
  c.set_output(0, c.dtype(0), {outer, inner});
}

void infer_squeeze(InferContext& c) {
  const Shape& in = c.shape(0);
  const int r = c.rank(0);
  std::vector<char> drop(r, 0);
  if (c.has_input(1)) {
    for (int64_t a : c.require_constant(1, "axes").to_i64_vector()) {
      int d = normalize_axis(a, r);
      SEGRT_CHECK(in[d] == 1, InvalidModel, "cannot squeeze axis ", a, " of ", shape_str(in), " (size ", in[d], ")");
      drop[d] = 1;
    }
  } else {
    for (int d = 0; d < r; ++d) drop[d] = in[d] == 1;
  }
  Shape out;
  for (int d = 0; d < r; ++d)
    if (!drop[d]) out.push_back(in[d]);
  c.set_output(0, c.dtype(0), out);
}

void infer_unsqueeze(InferContext& c) {
  const Shape& in = c.shape(0);
  auto axes = c.require_constant(1, "axes").to_i64_vector();
  const int r = c.rank(0) + static_cast<int>(axes.size());
  std::vector<char> insert(r, 0);
  for (int64_t a : axes) {
    int d = normalize_axis(a, r);
    SEGRT_CHECK(!insert[d], InvalidModel, "Unsqueeze names axis ", a, " twice");
    insert[d] = 1;
  }
  Shape out;
  size_t next = 0;
  for (int d = 0; d < r; ++d) out.push_back(insert[d] ? 1 : in[next++]);
  c.set_output(0, c.dtype(0), out);
}

}  // namespace

SEGRT_SHAPE_FN(Reshape, infer_reshape);
SEGRT_SHAPE_FN(Flatten, infer_flatten);
SEGRT_SHAPE_FN(Squeeze, infer_squeeze);
SEGRT_SHAPE_FN(Unsqueeze, infer_unsqueeze);

}  // namespace segrt
