// A plain binary form of a Graph (values, constants, nodes, attributes) for
// handing an imported model from one process to another: the isolated
// importer's child writes it into a pipe, the parent reads it back
// (import/isolate.h). Not a file format: both ends are the same build, so
// there is no versioning. The reader still bounds every count and size,
// because the writer has just parsed hostile input.
//
//   write_graph(g, [&](const void* p, size_t n) { write_all(fd, p, n); });
//   Graph h = read_graph([&](void* p, size_t n) { read_all(fd, p, n); }, max_bytes);
#pragma once
#include <cstddef>
#include <functional>

#include "ir/graph.h"

namespace segrt {

using WireWrite = std::function<void(const void* data, size_t n)>;
// Fills exactly n bytes or throws.
using WireRead = std::function<void(void* data, size_t n)>;

void write_graph(const Graph& g, const WireWrite& out);
// Throws InvalidModel on malformed data; a tensor over max_tensor_bytes is refused.
Graph read_graph(const WireRead& in, size_t max_tensor_bytes);

}  // namespace segrt
