// Importer registry: each importer (ONNX, Keras) registers the files it can
// read; the runtime asks import_model() and never sees a file format.
#pragma once
#include <cstddef>
#include <string>

#include "ir/graph.h"

namespace segrt {

struct ImportOptions {
  std::string weights_path;  // Keras architecture JSON + separate weights file
  // Run an importer that asked for it (one built on a parser that does not
  // survive every malformed file, e.g. libhdf5) in a child process (isolate.h).
  bool isolate = true;
  // Largest tensor a model file may declare: bigger is an InvalidModel error.
  size_t max_tensor_bytes = size_t{2} << 30;
};

using ImportProbe = bool (*)(const std::string& path);  // by extension or magic bytes
using ImportFn = Graph (*)(const std::string& path, const ImportOptions& opts);

// in_child: the importer's parser may crash or hang on hostile files, so it
// runs in a child process unless ImportOptions::isolate is off.
bool register_importer(const char* name, ImportProbe probe, ImportFn fn, bool in_child = false);
// Picks the importer whose probe accepts the file; errors name the file and
// the formats this build can read.
Graph import_model(const std::string& path, const ImportOptions& opts = {});
// Whether import_model would parse this file in a forked child process (the
// runtime does not start device threads beside a fork).
bool import_forks(const std::string& path, const ImportOptions& opts);

}  // namespace segrt
