// `segrt compare`'s engine (public part: segrt/compare.h) and what only the
// library needs: reference ordering against a Graph.
#pragma once
#include "ir/graph.h"
#include "segrt/compare.h"

namespace segrt {

// Orders a reference file's tensors (e.g. Keras activations, a dump) by the
// model's execution order and names them as the model does: a name is a value
// name, or else a node's source (layer) name, meaning that layer's last output.
// Graph inputs are dropped (nothing computes them). Throws InvalidInput listing
// every name the model does not have.
std::vector<Observation> order_reference(const Graph& model, const std::vector<NamedTensor>& tensors,
                                         const std::string& file);

}  // namespace segrt
