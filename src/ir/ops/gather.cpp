// Shape of Gather: data[:axis] + indices.shape + data[axis+1:].
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_gather(InferContext& c) {
  const Shape& data = c.shape(0);
  const int axis = normalize_axis(c.attrs().i("axis", 0), c.rank(0));
  SEGRT_CHECK(c.rank(0) >= 1, InvalidModel, "Gather needs data of rank >= 1");
  SEGRT_CHECK(c.dtype(1) == DType::i64 || c.dtype(1) == DType::i32, InvalidModel, "Gather indices must be int32 or int64, got ",
              dtype_name(c.dtype(1)));
  Shape out(data.begin(), data.begin() + axis);
  out.insert(out.end(), c.shape(1).begin(), c.shape(1).end());
  out.insert(out.end(), data.begin() + axis + 1, data.end());
  c.set_output(0, c.dtype(0), out);
}

}  // namespace

SEGRT_SHAPE_FN(Gather, infer_gather);

}  // namespace segrt
