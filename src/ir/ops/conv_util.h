// Geometry of sliding-window ops (Conv, ConvTranspose, MaxPool, AveragePool),
// shared by the shape functions and every backend so that all of them agree
// on output sizes and on how auto_pad resolves to explicit pads.
//
//   ConvGeometry geo = conv_geometry(node.attrs, x.shape(), w.shape());
//   // geo.pads = {top, left, bottom, right} for 2-D, whatever auto_pad said
//   Shape y = geo.output_shape(x.shape(), /*channels=*/w.shape()[0]);
//
// Spatial sizes are in spatial-axis order (D, H, W) whatever the layout;
// layout decides only where the channel axis sits (1 for NCHW, last for NHWC).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/attr.h"

namespace segrt {

// Activation layout of a spatial op from its `layout` attribute ("NCHW" default, "NHWC").
bool is_channels_last(const Attrs& a);
// Index of the channel axis of a rank-r activation.
int channel_axis(const Attrs& a, int rank);
// Spatial sizes of a rank-r activation (rank - 2 of them) in D, H, W order.
std::vector<int64_t> spatial_sizes(const Attrs& a, const Shape& x);
// Builds an activation shape from batch, channels and spatial sizes in the op's layout.
Shape make_activation_shape(const Attrs& a, int64_t batch, int64_t channels, const std::vector<int64_t>& spatial);

struct ConvGeometry {
  std::vector<int64_t> in, out;            // spatial sizes
  std::vector<int64_t> kernel, strides, dilations;
  std::vector<int64_t> pads;               // begin..., end... (ConvTranspose: negative pads extend the output)
  std::vector<int64_t> output_padding;     // ConvTranspose only (zeros otherwise)
  int rank() const { return static_cast<int>(in.size()); }
  // Extent of one dilated kernel window along spatial axis i.
  int64_t effective_kernel(int i) const { return (kernel[i] - 1) * dilations[i] + 1; }
};

// Pads for a forward sliding window of size `kernel` so that the output has
// ceil(in / stride) positions (SAME_UPPER: the odd pixel goes at the end,
// SAME_LOWER: at the beginning; VALID: none). NOTSET returns `explicit_pads`
// (or zeros when empty). Returns begin..., end...
std::vector<int64_t> resolve_auto_pad(const std::string& auto_pad, const std::vector<int64_t>& in,
                                      const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                      const std::vector<int64_t>& dilations, const std::vector<int64_t>& explicit_pads);

// Output size of a forward window: floor((in + pads - eff_kernel) / stride) + 1,
// or with ceil_mode the ceiling, dropping a last window that would start in
// the end padding (PyTorch's and ONNX Runtime's rule).
int64_t window_output_size(int64_t in, int64_t eff_kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                           bool ceil_mode);

// Conv: x is the activation (in the op's layout), w is [M, C/group, k...].
ConvGeometry conv_geometry(const Attrs& a, const Shape& x, const Shape& w);
// MaxPool / AveragePool (kernel_shape from the attributes, ceil_mode honoured).
ConvGeometry pool_geometry(const Attrs& a, const Shape& x);
// ConvTranspose: w is [C, M/group, k...]; honours output_shape, output_padding
// and auto_pad. out[i] = stride*(in-1) + output_padding + eff_kernel - pad_begin - pad_end.
ConvGeometry conv_transpose_geometry(const Attrs& a, const Shape& x, const Shape& w);

}  // namespace segrt
