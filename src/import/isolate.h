// Runs an importer in a forked child process with CPU-time and address-space
// limits, and passes the imported Graph back through a pipe (ir/graph_wire.h).
// A parser we do not own (libhdf5 above all: Debian's 1.10 crashes and loops
// on some malformed files) can then crash or hang without hurting the caller:
// the crash or the timeout becomes an InvalidModel error naming the file.
// Errors the importer itself raises come back unchanged.
//
//   Graph g = import_in_child([&] { return import_keras(path, opts); }, path, limits_for_files({path}), cap);
//
// POSIX only. The child calls only the importer and _exit(); it never returns
// into the caller's code, flushes the caller's stdio or runs its atexit handlers.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace segrt {

struct ChildLimits {
  double cpu_seconds = 2;           // RLIMIT_CPU of the child
  double wall_seconds = 5;          // the parent kills the child after this long
  size_t extra_address_space = 0;   // RLIMIT_AS = the caller's current size + this; 0: no limit
};

// Limits that scale with the bytes to be parsed: 2 s of CPU (5 s of wall
// time) and 1 GiB of memory, plus what a well-formed file of that size needs
// (1 s of CPU, 8 s of wall time and 64 MiB per 16 MiB).
ChildLimits limits_for_files(const std::vector<std::string>& paths);

Graph import_in_child(const std::function<Graph()>& import, const std::string& what, const ChildLimits& limits,
                      size_t max_tensor_bytes);

}  // namespace segrt
