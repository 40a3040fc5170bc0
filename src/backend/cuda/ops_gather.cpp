// CUDA builder for Gather (any axis, any element type, int32 or int64
// indices of any shape, negative indices). Constant indices are checked
// against the axis at compile time, as the reference checks them; indices
// computed at run time cannot raise an error from inside a CUDA graph, so
// an out-of-range one yields zeros (see gather.cuh).
#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/gather.cuh"
#include "ir/shape.h"

namespace segrt::cuda {

namespace {

bool build_gather(BuildCtx& c) {
  const Value& data = c.in_value(0);
  const Value& ind = c.in_value(1);
  if (ind.dtype != DType::i32 && ind.dtype != DType::i64) return false;
  const Shape& ds = data.shape;
  int axis = normalize_axis(c.n.attrs.i("axis", 0), static_cast<int>(ds.size()));
  int64_t outer = 1, inner = 1, len = ds[axis];
  for (int d = 0; d < axis; ++d) outer *= ds[d];
  for (size_t d = axis + 1; d < ds.size(); ++d) inner *= ds[d];
  if (const Tensor* k = c.in_constant(1))
    for (int64_t i : k->to_i64_vector())
      SEGRT_CHECK(i >= -len && i < len, InvalidInput, "Gather index ", i, " is out of range for axis ", axis,
                  " of size ", len);
  int x = c.input(0, Fmt::Logical);
  int idx = c.input(1, Fmt::Logical);
  int y = c.output(0, Fmt::Logical);
  auto& ex = c.ex();
  int es = dev_size(dev_type(ex.val(x).dtype));
  bool i32 = ind.dtype == DType::i32;
  int64_t n_idx = shape_numel(ind.shape);
  c.step([&ex, x, idx, y, es, i32, outer, len, inner, n_idx](cudaStream_t s) {
    launch_gather(ex.ptr(x), es, ex.ptr(idx), i32, ex.ptr(y), outer, len, inner, n_idx, s);
  });
  return true;
}

}  // namespace

SEGRT_CUDA_OP(Gather, build_gather);

}  // namespace segrt::cuda
