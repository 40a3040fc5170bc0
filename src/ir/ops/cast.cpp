// Shape of Cast: same shape, element type from attribute `to`, a dtype name
// ("float16", "int64", ...; importers translate their own type codes).
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_cast(InferContext& c) {
  const std::string to = c.attrs().s("to", "");
  DType t;
  SEGRT_CHECK(dtype_from_name(to, &t), Unsupported, "Cast to '", to, "' (segrt knows float32, float16, bfloat16, ",
              "float64, int64, int32, int8, uint8, bool)");
  c.set_output(0, t, c.shape(0), c.layout(0));
}

}  // namespace

SEGRT_SHAPE_FN(Cast, infer_cast);

}  // namespace segrt
