// The reference backend: the oracle every other backend is tested against.
// Naive, obviously correct loops in float32 (float64 accumulation for sums
// and dot products); one file per op family, each kernel registered with
//
//   SEGRT_REF_KERNEL(Relu, relu_kernel);
//
// A kernel receives its inputs (nullptr for absent optional inputs) and
// outputs already allocated with the inferred shapes and dtypes.
#pragma once
#include <vector>

#include "ir/graph.h"

namespace segrt::ref {

using Kernel = void (*)(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out);

bool register_kernel(OpType op, Kernel k);
Kernel kernel(OpType op);

// Runs one node on host tensors: allocates outputs from the graph's inferred
// shapes and calls the kernel. Used by the executor and by constant folding.
std::vector<Tensor> run_node(const Graph& g, const Node& n, const std::vector<const Tensor*>& in);

}  // namespace segrt::ref

#define SEGRT_REF_CAT2(a, b) a##b
#define SEGRT_REF_CAT(a, b) SEGRT_REF_CAT2(a, b)
#define SEGRT_REF_KERNEL(Op, fn)                                        \
  static const bool SEGRT_REF_CAT(segrt_ref_reg_##Op##_, __LINE__) =   \
      ::segrt::ref::register_kernel(::segrt::OpType::Op, fn)
