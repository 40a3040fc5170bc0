// What a calibration table asks of the graph (runtime/calibration.h reads the
// file): the quantized type and, per activation tensor, the range to map onto
// it. insert_qdq applies it; the int8 path is then the same as for a QDQ model.
#pragma once
#include <map>
#include <set>
#include <string>

#include "passes/pass.h"

namespace segrt {

struct QuantSpec {
  std::string precision = "int8";  // "int8" or "fp8" (float8 e4m3fn)
  struct Range {
    double min = 0, amax = 0;  // observed minimum; clipping magnitude chosen by the method
  };
  std::map<std::string, Range> activations;  // value name -> range
  std::set<std::string> float_layers;        // node / source layer names left in float
  std::set<std::string> quantized_layers;    // named for 8-bit although a default (fp8's edges, min_channels) keeps them float
  // Set by the backend (Backend::quant_prefs): int8 for every activation
  // (sx = amax / 127, also after a ReLU), and convolutions with fewer input or
  // output channels than min_channels left in float.
  bool signed_activations = false;
  int64_t min_channels = 0;
  // Set for backends that run MaxPool / Concat / nearest Resize on 8-bit data
  // (sink_dequantize): tensors those join share one scale (below).
  bool shared_scales = false;
  // Set for backends whose 8-bit convolution takes one pad per axis: a
  // convolution padded differently at the two ends (a zero Pad before it
  // included) stays float.
  bool symmetric_pads_only = false;
};

// Before each 2-D Conv with constant float weights (and no residual input):
//
//   x -> Conv(w)   =>   x -> Q(sx) -> DQ(sx) -> Conv(DQ(wq, sw))
//
// x per tensor: int8 as uint8 (sx = amax / 255) when x never goes below 0 (a
// ReLU's output), else int8 (sx = amax / 127), zero points 0; fp8: e4m3fn,
// sx = amax / 448. Weights per output channel, symmetric: sw[o] = max|w[o]| /
// 127 (fp8: / 448), wq = round(w / sw). Convs named in float_layers, those
// whose input has no range in the table, and those below min_channels stay
// float (logged). fp8 also leaves the first and the last convolution (in
// topological order) float unless quantized_layers names them: with
// three mantissa bits they cost the membrane U-Net 1.5 % of its class
// agreement (docs/int8.md); int8 was measured safe there.
//
// shared_scales (int8): a MaxPool, Concat or nearest Resize whose readers are
// all quantized convolutions (or more such nodes) joins its inputs and output
// into one group with one scale, the union of the members' calibrated ranges
// (TensorRT's rule for concatenations). The Q -> DQ pair then sits after each
// tensor that starts a group (a convolution's output, the image), not before
// each convolution:
//
//   e = Conv(..); p = MaxPool(e); c = Concat(u, e)
//   =>  e -> Q(s) -> DQ(s) -> MaxPool, Concat   (u likewise, same s)
//
// so sink_dequantize can run the pool and the concat on 8-bit data and
// fuse_qdq_conv can let the convolution write e in int8 (what that costs in
// accuracy: docs/int8.md). Readers of a group's first tensor outside the
// group keep the float value. A zero Pad before a quantized convolution
// (PyTorch's F.pad for 'same' even kernels) joins its input the same way for
// every backend: Q -> DQ go before it, so fuse_pad_into_conv still merges it
// into the convolution and fuse_qdq_conv finds DQ -> Conv.
void insert_qdq(Graph& g, const QuantSpec& spec, PassLog& log);

}  // namespace segrt
