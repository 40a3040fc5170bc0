// Shapes of ONNX's indexing and generator ops: Size, Range, Tile,
// GatherElements, GatherND, ScatterElements, ScatterND, NonZero, OneHot,
// Trilu, EyeLike, Compress. Ops whose output size depends on input *values*
// (Range, Tile, NonZero, OneHot, Compress) read them as constants; the engine
// specialises per value when they come from graph inputs.
#include <cmath>

#include "ir/shape.h"

namespace segrt {

namespace {

bool is_index_type(DType t) { return t == DType::i64 || t == DType::i32; }

void infer_size(InferContext& c) { c.set_output(0, DType::i64, {}); }

void infer_range(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 3, InvalidModel, "Range takes (start, limit, delta)");
  const double start = c.require_constant(0, "Range start").to_f64_vector().at(0);
  const double limit = c.require_constant(1, "Range limit").to_f64_vector().at(0);
  const double delta = c.require_constant(2, "Range delta").to_f64_vector().at(0);
  SEGRT_CHECK(delta != 0, InvalidModel, "Range delta is 0");
  const double n = std::ceil((limit - start) / delta);
  c.set_output(0, c.dtype(0), {n > 0 ? static_cast<int64_t>(n) : 0});
}

void infer_tile(InferContext& c) {
  auto reps = c.require_constant(1, "Tile repeats").to_i64_vector();
  SEGRT_CHECK(static_cast<int>(reps.size()) == c.rank(0), InvalidModel, "Tile repeats has ", reps.size(),
              " values for a rank-", c.rank(0), " input");
  Shape s = c.shape(0);
  for (size_t d = 0; d < s.size(); ++d) {
    SEGRT_CHECK(reps[d] >= 0, InvalidModel, "Tile repeat ", reps[d], " is negative");
    s[d] = dim_mul(s[d], reps[d]);
  }
  c.set_output(0, c.dtype(0), s);
}

void infer_gather_elements(InferContext& c) {
  SEGRT_CHECK(is_index_type(c.dtype(1)) && c.rank(1) == c.rank(0), InvalidModel,
              "GatherElements indices must be int32/int64 of the data's rank");
  normalize_axis(c.attrs().i("axis", 0), c.rank(0));
  c.set_output(0, c.dtype(0), c.shape(1));
}

void infer_gather_nd(InferContext& c) {
  const Shape& data = c.shape(0);
  const Shape& idx = c.shape(1);
  const int64_t b = c.attrs().i("batch_dims", 0);
  SEGRT_CHECK(is_index_type(c.dtype(1)) && !idx.empty(), InvalidModel, "GatherND indices must be int32/int64, rank >= 1");
  const int64_t last = idx.back();
  SEGRT_CHECK(b >= 0 && b + last <= static_cast<int64_t>(data.size()) && b < static_cast<int64_t>(idx.size()),
              InvalidModel, "GatherND indices ", shape_str(idx), " with batch_dims ", b, " do not fit data ",
              shape_str(data));
  Shape out(idx.begin(), idx.end() - 1);
  out.insert(out.end(), data.begin() + b + last, data.end());
  c.set_output(0, c.dtype(0), out);
}

void infer_scatter(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 3 && is_index_type(c.dtype(1)) && c.dtype(2) == c.dtype(0), InvalidModel,
              op_name(c.node().op), " takes (data, int indices, updates of data's type)");
  const std::string red = c.attrs().s("reduction", "none");
  SEGRT_CHECK(red == "none" || red == "add" || red == "mul" || red == "max" || red == "min", InvalidModel,
              "reduction '", red, "'");
  infer_same_as_input0(c);
}

void infer_nonzero(InferContext& c) {
  const Tensor& x = c.require_constant(0, "NonZero's input");
  int64_t count = 0;
  for (double v : x.to_f64_vector()) count += v != 0;
  c.set_output(0, DType::i64, {static_cast<int64_t>(x.rank()), count});
}

void infer_one_hot(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 3 && c.shape(2) == Shape{2}, InvalidModel, "OneHot takes (indices, depth, values[2])");
  const double depth = c.require_constant(1, "OneHot depth").to_f64_vector().at(0);
  SEGRT_CHECK(depth >= 1, InvalidModel, "OneHot depth ", depth);
  Shape s = c.shape(0);
  const int axis = normalize_axis(c.attrs().i("axis", -1), c.rank(0) + 1);
  s.insert(s.begin() + axis, static_cast<int64_t>(depth));
  c.set_output(0, c.dtype(2), s);
}

void infer_trilu(InferContext& c) {
  SEGRT_CHECK(c.rank(0) >= 2, InvalidModel, "Trilu needs rank >= 2");
  infer_same_as_input0(c);
}

void infer_eye_like(InferContext& c) {
  SEGRT_CHECK(c.rank(0) == 2, InvalidModel, "EyeLike needs a 2-D input");
  DType t = c.dtype(0);
  if (c.attrs().has("dtype"))
    SEGRT_CHECK(dtype_from_name(c.attrs().s("dtype", ""), &t), Unsupported, "EyeLike dtype ", c.attrs().s("dtype", ""));
  c.set_output(0, t, c.shape(0));
}

void infer_compress(InferContext& c) {
  auto cond = c.require_constant(1, "Compress condition").to_i64_vector();
  int64_t kept = 0;
  for (int64_t v : cond) kept += v != 0;
  Shape s;
  if (c.attrs().has("axis")) {
    s = c.shape(0);
    const int axis = normalize_axis(c.attrs().i("axis", 0), c.rank(0));
    SEGRT_CHECK(static_cast<int64_t>(cond.size()) <= s[axis], InvalidModel, "Compress condition is longer than the axis");
    s[axis] = kept;
  } else {
    s = {kept};
  }
  c.set_output(0, c.dtype(0), s);
}

}  // namespace

SEGRT_SHAPE_FN(Size, infer_size);
SEGRT_SHAPE_FN(Range, infer_range);
SEGRT_SHAPE_FN(Tile, infer_tile);
SEGRT_SHAPE_FN(GatherElements, infer_gather_elements);
SEGRT_SHAPE_FN(GatherND, infer_gather_nd);
SEGRT_SHAPE_FN(ScatterElements, infer_scatter);
SEGRT_SHAPE_FN(ScatterND, infer_scatter);
SEGRT_SHAPE_FN(NonZero, infer_nonzero);
SEGRT_SHAPE_FN(OneHot, infer_one_hot);
SEGRT_SHAPE_FN(Trilu, infer_trilu);
SEGRT_SHAPE_FN(EyeLike, infer_eye_like);
SEGRT_SHAPE_FN(Compress, infer_compress);

}  // namespace segrt
