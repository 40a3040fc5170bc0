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
};

// Before each 2-D Conv with constant float weights (and no residual input):
//
//   x -> Conv(w)   =>   x -> Q(sx) -> DQ(sx) -> Conv(DQ(wq, sw))
//
// x per tensor: int8 as uint8 (sx = amax / 255) when x never goes below 0 (a
// ReLU's output), else int8 (sx = amax / 127), zero points 0; fp8: e4m3fn,
// sx = amax / 448. Weights per output channel, symmetric: sw[o] = max|w[o]| /
// 127 (fp8: / 448), wq = round(w / sw). Convs named in float_layers, and those
// whose input has no range in the table, stay float (logged).
void insert_qdq(Graph& g, const QuantSpec& spec, PassLog& log);

}  // namespace segrt
