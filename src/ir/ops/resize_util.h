// Resize semantics shared by the shape function and every backend: output
// size and per-axis scale from scales / sizes, the coordinate transformation
// (output pixel -> input coordinate) and the nearest rounding rule.
//
//   ResizeParams p = resize_params(node.attrs, x.shape(), roi, scales, sizes);  // nullptr = absent
//   double xi = resize_source_coord(p.coord_mode, xo, p.scales[a], x.dim(a), p.roi_start[a], p.roi_end[a]);
//   int64_t i = resize_nearest_index(p.nearest_mode, xi);  // not clamped
#pragma once
#include <string>
#include <vector>

#include "ir/attr.h"

namespace segrt {

class Graph;
struct Node;

struct ResizeParams {
  Shape out;                                // output shape
  std::vector<double> scales;               // per axis: the scales input, or out/in when sizes were given
  std::vector<double> roi_start, roi_end;   // normalised crop box (0..1), tf_crop_and_resize only
  std::string mode, coord_mode, nearest_mode;
  double cubic_coeff_a = -0.75, extrapolation_value = 0.0;
  bool exclude_outside = false;
};

// Reads and checks attributes and inputs; an input that is absent or has no
// elements counts as not given. Exactly one of scales and sizes must be given.
// Handles the opset-18 attributes `axes` and `keep_aspect_ratio_policy`.
ResizeParams resize_params(const Attrs& a, const Shape& x, const Tensor* roi, const Tensor* scales,
                           const Tensor* sizes);

// resize_params of Resize node n of graph g whose roi, scales and sizes are
// constants (as backends and passes see them); false when one is computed at
// run time. Throws what resize_params throws.
bool constant_resize_params(const Graph& g, const Node& n, ResizeParams* p);

// Input coordinate of output coordinate x_out along one axis (ONNX formulas).
// The resized length in align_corners, pytorch_half_pixel and
// tf_crop_and_resize is len_in * scale, unrounded, as in ONNX's reference:
// with scales 0.6 on 4 pixels, align_corners maps by 3 / 1.4, not 3 / 1.
double resize_source_coord(const std::string& coord_mode, double x_out, double scale, int64_t len_in,
                           double roi_start, double roi_end);

// Nearest input index of coordinate x for round_prefer_floor, round_prefer_ceil, floor, ceil.
int64_t resize_nearest_index(const std::string& nearest_mode, double x);

// Cubic convolution weights of the taps floor(x)-1 .. floor(x)+2 at fraction t = x - floor(x).
void resize_cubic_weights(double t, double a, double w[4]);

// The taps of one axis, as every backend computes them (the reference defines
// them): output o reads count[o] <= 4 input indices index[o*4 + k] (clamped to
// the input: edge pixels repeat) with weights weight[o*4 + k]; count[o] = 0
// means o is outside the tf_crop_and_resize box (extrapolation_value).
// exclude_outside drops the cubic taps off the input and renormalises.
struct ResizeAxisTaps {
  std::vector<int64_t> index;
  std::vector<double> weight;
  std::vector<uint8_t> count;
};
ResizeAxisTaps resize_axis_taps(const ResizeParams& p, int axis, int64_t len_in);

}  // namespace segrt
