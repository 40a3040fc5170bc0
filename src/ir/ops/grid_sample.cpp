// Shape of GridSample: X [N, C, H, W] sampled at grid [N, Ho, Wo, 2] gives
// [N, C, Ho, Wo]. Modes use opset 20's names (the importer renames older
// ones); only the 2-D form is implemented (opset 20's N-D form is refused).
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_grid_sample(InferContext& c) {
  SEGRT_CHECK(dtype_is_float(c.dtype(0)) && c.dtype(1) == c.dtype(0), Unsupported, "GridSample on ",
              dtype_name(c.dtype(0)), " / ", dtype_name(c.dtype(1)), " (float X and grid of one type)");
  SEGRT_CHECK(c.rank(0) == 4, Unsupported, "GridSample on a rank-", c.rank(0), " input (2-D images only)");
  const Shape& x = c.shape(0);
  const Shape& g = c.shape(1);
  SEGRT_CHECK(g.size() == 4 && g[0] == x[0] && g[3] == 2, InvalidModel, "GridSample grid ", shape_str(g),
              " for X ", shape_str(x), " (expected [N, H_out, W_out, 2])");
  const std::string mode = c.attrs().s("mode", "linear"), pad = c.attrs().s("padding_mode", "zeros");
  SEGRT_CHECK(mode == "linear" || mode == "nearest" || mode == "cubic", InvalidModel, "GridSample mode '", mode, "'");
  SEGRT_CHECK(pad == "zeros" || pad == "border" || pad == "reflection", InvalidModel, "GridSample padding_mode '",
              pad, "'");
  c.set_output(0, c.dtype(0), {x[0], x[1], g[1], g[2]});
}

}  // namespace

SEGRT_SHAPE_FN(GridSample, infer_grid_sample);

}  // namespace segrt
