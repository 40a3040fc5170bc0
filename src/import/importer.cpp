// Importer dispatch.
#include "import/importer.h"

#include <fstream>

#include "core/registry.h"

namespace segrt {

namespace {
struct Entry {
  ImportProbe probe;
  ImportFn fn;
};
struct ImporterTag;
using Importers = Registry<std::string, Entry, ImporterTag>;  // probed in name order
}  // namespace

bool register_importer(const char* name, ImportProbe probe, ImportFn fn) { return Importers::add(name, {probe, fn}); }

Graph import_model(const std::string& path, const ImportOptions& opts) {
  {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      Error e(ErrorKind::Io, "cannot open the model file");
      throw e.with_file(path);
    }
  }
  std::string names;
  for (const auto& [name, e] : Importers::all()) {
    names += (names.empty() ? "" : ", ") + name;
    if (e.probe(path)) {
      try {
        Graph g = e.fn(path, opts);
        g.source_file = path;
        return g;
      } catch (Error& err) {
        throw err.with_file(path);
      } catch (const std::bad_alloc&) {
        Error err(ErrorKind::OutOfMemory, "out of host memory while importing");
        throw err.with_file(path);
      }
    }
  }
  Error e(ErrorKind::Unsupported, "unknown model format (this build reads: " + names + ")");
  throw e.with_file(path);
}

}  // namespace segrt
