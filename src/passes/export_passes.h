// IR -> IR passes used by the ONNX exporter (src/export): each in its own
// file, logging what it rewrote by layer name. `ranks` gives the rank of each
// value id (-1 unknown), from shape inference at a sample input size.
//
//   convert_to_nchw(g, ranks, /*nchw_io=*/false, log);   // Keras NHWC graph -> NCHW inside
//   lower_for_opset(g, 13, log);                          // Gelu -> Erf form, ...
#pragma once
#include <vector>

#include "passes/pass.h"

namespace segrt {

// Evaluates every node whose inputs are all constants (no input shape needed):
// the folding that remains possible while input sizes stay dynamic.
void fold_constant_nodes(Graph& g, PassLog& log);

// A channels-last (NHWC) graph computed channels-first: spatial ops switch to
// layout NCHW, the ops between them follow (axes, pads, scales and constant
// operands are permuted once, here), and transposes remain only at the graph's
// edges (none with nchw_io: inputs and outputs become NCHW). An op that cannot
// follow reads a transposed-back copy; the log names it.
void convert_to_nchw(Graph& g, const std::vector<int>& ranks, bool nchw_io, PassLog& log);

// Keeps the graph's layout: each NHWC spatial op reads a channels-first
// transpose of its input and its output is transposed back (ONNX's spatial ops
// are channels-first only).
void wrap_nhwc_ops(Graph& g, const std::vector<int>& ranks, PassLog& log);

// Rewrites what the target ONNX opset cannot say: Gelu below 20 (erf form or
// tanh form), HardSwish below 14 (x * HardSigmoid(x, 1/6, 1/2)), Softmax /
// LogSoftmax with legacy_flatten (Flatten, Softmax, Reshape back), Conv and
// pooling pads that are negative (a Pad crops first, the op keeps the rest).
void lower_for_opset(Graph& g, int opset, PassLog& log);

// Float32 constants and activations become float16, except the inputs ONNX
// keeps float (Resize roi / scales); float32 graph inputs are cast to float16
// at the start and float16 outputs back to float32 at the end, so callers keep
// float32 I/O. Cast(to=float32) inside the graph casts to float16 instead.
void convert_to_fp16(Graph& g, PassLog& log);

}  // namespace segrt
