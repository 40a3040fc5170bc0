// CUDA builders for Constant, ConstantOfShape and Shape when they survive to
// run time (constant folding normally removes them). A compiled plan has
// static shapes, so each one's value is known at compile time: it is
// computed once on the host (Shape from the input's shape, the others by
// their reference kernel) and uploaded; the value then lives in device
// memory of its own and the node adds no step.
#include <algorithm>

#include "backend/cuda/cuda_exec.h"
#include "backend/ref/ref.h"
#include "ir/ops/shape_util.h"

namespace segrt::cuda {

namespace {

bool build_source(BuildCtx& c) {
  Tensor t;
  if (c.n.op == OpType::Shape) {
    t = shape_op_value(c.n.attrs, c.in_value(0).shape);
  } else {
    std::vector<const Tensor*> ins;
    for (size_t i = 0; i < c.n.inputs.size(); ++i) {
      if (!c.has_input(static_cast<int>(i))) {
        ins.push_back(nullptr);
        continue;
      }
      const Tensor* k = c.in_constant(static_cast<int>(i));
      if (!k) return false;  // ConstantOfShape of a shape computed at run time: not static
      ins.push_back(k);
    }
    t = ref::run_node(c.g, c.n, ins).at(0);
  }
  int y = c.output(0, Fmt::Logical);
  DevValue& v = c.ex().val(y);
  if (dtype_is_float(t.dtype())) t = t.cast(v.dtype);
  SEGRT_CHECK(t.nbytes() == v.bytes, Internal, op_name(c.n.op), " value of ", t.nbytes(), " bytes for a ", v.bytes,
              "-byte output");
  v.fixed = c.ex().upload(t.raw(), std::max<size_t>(t.nbytes(), 1));
  return true;
}

}  // namespace

SEGRT_CUDA_OP(Constant, build_source);
SEGRT_CUDA_OP(ConstantOfShape, build_source);
SEGRT_CUDA_OP(Shape, build_source);

}  // namespace segrt::cuda
