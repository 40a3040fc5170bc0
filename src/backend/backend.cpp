// Backend registry: each backend registers itself by name at static init.
#include "backend/backend.h"

#include "core/registry.h"

namespace segrt {

namespace {
struct BackendTag;
using Backends = Registry<std::string, BackendFactory, BackendTag>;
}  // namespace

bool register_backend(const char* name, BackendFactory factory) { return Backends::add(name, factory); }

std::unique_ptr<Backend> make_backend(const std::string& name) {
  const BackendFactory* f = Backends::find(name);
  if (!f) {
    std::string have;
    for (const auto& [k, v] : Backends::all()) have += (have.empty() ? "" : ", ") + k;
    SEGRT_FAIL(Unsupported, "backend '", name, "' is not built into this segrt (available: ", have, ")");
  }
  return (*f)();
}

std::vector<std::string> backend_names() {
  std::vector<std::string> r;
  for (const auto& [k, v] : Backends::all()) r.push_back(k);
  return r;
}

}  // namespace segrt
