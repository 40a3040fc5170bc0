// Importer dispatch.
#include "import/importer.h"

#include <fstream>

#include "core/registry.h"
#include "import/isolate.h"

namespace segrt {

namespace {
struct Entry {
  ImportProbe probe;
  ImportFn fn;
  bool in_child;
};
struct ImporterTag;
using Importers = Registry<std::string, Entry, ImporterTag>;  // probed in name order
// The cap holds for every format; importers that can (Keras) also check it
// before they allocate, the others are bounded by the file's own size.
void check_tensor_sizes(const Graph& g, size_t max_bytes) {
  for (const Value& v : g.values)
    SEGRT_CHECK(!v.is_constant() || v.constant.nbytes() <= max_bytes, InvalidModel, "tensor '", v.name, "' ",
                shape_str(v.constant.shape()), " holds ", v.constant.nbytes(), " bytes, over the limit of ", max_bytes,
                " (Options::max_tensor_bytes)");
  for (const Node& n : g.nodes)  // If / Loop / Scan subgraphs hold initializers too
    for (const auto& [k, a] : n.attrs.all())
      if (const GraphRef* sub = std::get_if<GraphRef>(&a)) check_tensor_sizes(**sub, max_bytes);
}

}  // namespace

bool register_importer(const char* name, ImportProbe probe, ImportFn fn, bool in_child) {
  return Importers::add(name, {probe, fn, in_child});
}

bool import_forks(const std::string& path, const ImportOptions& opts) {
  if (!opts.isolate) return false;
  for (const auto& [name, e] : Importers::all())
    if (e.probe(path)) return e.in_child;
  return false;
}

Graph import_model(const std::string& path, const ImportOptions& opts) {
  {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      Error e(ErrorKind::Io, "cannot open the model file");
      throw e.with_file(path);
    }
  }
  std::string names;
  for (const auto& [name, entry] : Importers::all()) {
    names += (names.empty() ? "" : ", ") + name;
    const Entry& e = entry;  // a plain reference: C++17 lambdas cannot capture structured bindings (clang)
    if (e.probe(path)) {
      try {
        Graph g = e.in_child && opts.isolate
                      ? import_in_child([&] { return e.fn(path, opts); }, path,
                                        limits_for_files({path, opts.weights_path}), opts.max_tensor_bytes)
                      : e.fn(path, opts);
        check_tensor_sizes(g, opts.max_tensor_bytes);
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
