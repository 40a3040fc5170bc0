// Importer registry: each importer (ONNX, Keras) registers the files it can
// read; the runtime asks import_model() and never sees a file format.
#pragma once
#include <string>

#include "ir/graph.h"

namespace segrt {

struct ImportOptions {
  std::string weights_path;  // Keras architecture JSON + separate weights file
};

using ImportProbe = bool (*)(const std::string& path);  // by extension or magic bytes
using ImportFn = Graph (*)(const std::string& path, const ImportOptions& opts);

bool register_importer(const char* name, ImportProbe probe, ImportFn fn);
// Picks the importer whose probe accepts the file; errors name the file and
// the formats this build can read.
Graph import_model(const std::string& path, const ImportOptions& opts = {});

}  // namespace segrt
