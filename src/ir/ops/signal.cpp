// Shapes of the window generators HannWindow, HammingWindow, BlackmanWindow:
// a 1-D tensor of `size` values (an input that must be known when shapes are
// inferred) of the type named by `dtype` (the importer translates
// output_datatype; float32 by default); and DFT: input [..., 1 or 2] (real or
// complex in the last dim) transformed along `axis` (counted over the full
// rank; the importer turns opset 20's axis input into the attribute), length
// dft_length (an input known at specialisation) or the axis' size; onesided
// keeps floor(n/2) + 1 frequencies.
#include "ir/shape.h"

namespace segrt {

namespace {

void infer_window(InferContext& c) {
  const int64_t n = c.require_constant(0, "window size").to_i64_vector().at(0);
  SEGRT_CHECK(n >= 0, InvalidModel, op_name(c.node().op), " size ", n);
  DType t = DType::f32;
  if (c.attrs().has("dtype"))
    SEGRT_CHECK(dtype_from_name(c.attrs().s("dtype", ""), &t), Unsupported, "window dtype ", c.attrs().s("dtype", ""));
  c.set_output(0, t, {n});
}

void infer_dft(InferContext& c) {
  const Shape& x = c.shape(0);
  const int r = c.rank(0);
  SEGRT_CHECK(dtype_is_float(c.dtype(0)) && r >= 2 && (x.back() == 1 || x.back() == 2), InvalidModel,
              "DFT takes a float [..., 1 or 2] input, got ", shape_str(x));
  const int axis = normalize_axis(c.attrs().i("axis", 1), r);
  SEGRT_CHECK(axis != r - 1, InvalidModel, "DFT axis is the complex dimension");
  int64_t n = x[axis];
  if (c.has_input(1)) n = c.require_constant(1, "DFT dft_length").to_i64_vector().at(0);
  SEGRT_CHECK(n >= 1, InvalidModel, "DFT length ", n);
  const bool onesided = c.attrs().i("onesided", 0) != 0;
  SEGRT_CHECK(!(onesided && c.attrs().i("inverse", 0) != 0), Unsupported, "inverse onesided DFT");
  Shape out = x;
  out[axis] = onesided ? n / 2 + 1 : n;
  out.back() = 2;
  c.set_output(0, c.dtype(0), out);
}

}  // namespace

SEGRT_SHAPE_FN(DFT, infer_dft);
SEGRT_SHAPE_FN(HannWindow, infer_window);
SEGRT_SHAPE_FN(HammingWindow, infer_window);
SEGRT_SHAPE_FN(BlackmanWindow, infer_window);

}  // namespace segrt
