// Per-node cost figures for inspect and benchmarks.
#pragma once
#include "ir/graph.h"

namespace segrt {

// Multiply-accumulates of a node on a specialised graph (0 for data movement
// and elementwise ops).
int64_t node_macs(const Graph& g, const Node& n);
// Parameters: elements of the node's constant floating-point inputs.
int64_t node_params(const Graph& g, const Node& n);

}  // namespace segrt
