// CUDA builders for the ops along one axis: Softmax / LogSoftmax (both axis
// semantics) and ArgMax.
#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/softmax.cuh"
#include "backend/cuda/softmax_rows.cuh"
#include "ir/ops/softmax_util.h"

namespace segrt::cuda {

namespace {

void axis_split(const Shape& phys, int pa, int64_t* outer, int64_t* len, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int d = 0; d < pa; ++d) *outer *= phys[d];
  *len = phys[pa];
  for (size_t d = pa + 1; d < phys.size(); ++d) *inner *= phys[d];
}

bool build_softmax(BuildCtx& c) {
  if (!dtype_is_float(c.in_value(0).dtype) || !dtype_is_float(c.g.value(c.n.outputs[0]).dtype)) return false;
  const Shape& is = c.in_value(0).shape;
  if (c.n.attrs.i("legacy_flatten", 0) != 0) {  // opset < 13: over everything from `axis` on, in logical order
    SoftmaxGeometry sg = softmax_geometry(c.n.attrs, is);
    int x = c.input(0, Fmt::Logical);
    int y = c.output(0, Fmt::Logical);
    bool log = c.n.op == OpType::LogSoftmax;
    DevType t = c.compute_dev();
    auto& ex = c.ex();
    c.step([&ex, x, y, t, sg, log](cudaStream_t s) {
      // Rows of a few classes: a thread per row; long flattened rows: a block per row.
      if (sg.n > 64) launch_softmax_rows(ex.ptr(x), ex.ptr(y), t, sg.outer, sg.n, log, s);
      else launch_softmax(ex.ptr(x), ex.ptr(y), t, sg.outer, sg.n, sg.inner, log, s);
    });
    return true;
  }
  int r = static_cast<int>(is.size());
  int axis = static_cast<int>(c.n.attrs.i("axis", -1));
  if (axis < 0) axis += r;
  Fmt f = c.input_fmt(0);
  int x = c.input(0, f);
  int y = c.output(0, f);
  Shape phys = c.ex().val(x).phys();
  int64_t outer, len, inner;
  axis_split(phys, phys_axis(axis, r, f), &outer, &len, &inner);
  bool log = c.n.op == OpType::LogSoftmax;
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, t, outer, len, inner, log](cudaStream_t s) {
    launch_softmax(ex.ptr(x), ex.ptr(y), t, outer, len, inner, log, s);
  });
  return true;
}

// ArgMax over the channels of NHWC data reads each pixel's classes
// contiguously, and its int64 result is already in logical order.
bool build_argmax(BuildCtx& c) {
  const Value& in = c.in_value(0);
  if (!dtype_is_float(in.dtype)) return false;
  int r = static_cast<int>(in.shape.size());
  int axis = static_cast<int>(c.n.attrs.i("axis", 0));
  if (axis < 0) axis += r;
  Fmt f = r == 4 && axis == 1 ? c.input_fmt(0) : Fmt::Logical;
  int x = c.input(0, f);
  int y = c.output(0, Fmt::Logical);
  Shape phys = c.ex().val(x).phys();
  int64_t outer, len, inner;
  axis_split(phys, phys_axis(axis, r, f), &outer, &len, &inner);
  bool last = c.n.attrs.i("select_last_index", 0) != 0;
  DevType t = c.compute_dev();
  auto& ex = c.ex();
  c.step([&ex, x, y, t, outer, len, inner, last](cudaStream_t s) {
    launch_argmax(ex.ptr(x), t, static_cast<int64_t*>(ex.ptr(y)), outer, len, inner, last, s);
  });
  return true;
}

}  // namespace

SEGRT_CUDA_OP(Softmax, build_softmax);
SEGRT_CUDA_OP(LogSoftmax, build_softmax);
SEGRT_CUDA_OP(ArgMax, build_argmax);

}  // namespace segrt::cuda
