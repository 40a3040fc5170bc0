// Shape of RoiAlign: X [N, C, H, W], rois [R, 4] (x1, y1, x2, y2), batch
// indices [R] give [R, C, output_height, output_width]. The importer writes
// coordinate_transformation_mode explicitly (opset 10 had only
// output_half_pixel; 16 added half_pixel as the default).
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_roi_align(InferContext& c) {
  SEGRT_CHECK(c.num_inputs() == 3 && c.rank(0) == 4 && c.rank(1) == 2 && c.shape(1)[1] == 4 && c.rank(2) == 1 &&
                  c.shape(2)[0] == c.shape(1)[0],
              InvalidModel, "RoiAlign takes X [N,C,H,W], rois [R,4], batch_indices [R]");
  SEGRT_CHECK(dtype_is_float(c.dtype(0)), Unsupported, "RoiAlign on ", dtype_name(c.dtype(0)));
  const std::string mode = c.attrs().s("mode", "avg");
  SEGRT_CHECK(mode == "avg" || mode == "max", InvalidModel, "RoiAlign mode '", mode, "'");
  const std::string ct = c.attrs().s("coordinate_transformation_mode", "half_pixel");
  SEGRT_CHECK(ct == "half_pixel" || ct == "output_half_pixel", InvalidModel,
              "RoiAlign coordinate_transformation_mode '", ct, "'");
  const int64_t oh = c.attrs().i("output_height", 1), ow = c.attrs().i("output_width", 1);
  SEGRT_CHECK(oh > 0 && ow > 0, InvalidModel, "RoiAlign output size ", oh, "x", ow);
  c.set_output(0, c.dtype(0), {c.shape(1)[0], c.shape(0)[1], oh, ow});
}

}  // namespace

SEGRT_SHAPE_FN(RoiAlign, infer_roi_align);

}  // namespace segrt
