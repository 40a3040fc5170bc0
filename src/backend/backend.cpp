// Backend registry: each backend registers itself by name at static init.
#include "backend/backend.h"

#include <map>

namespace segrt {

namespace {
std::map<std::string, BackendFactory>& registry() {
  static std::map<std::string, BackendFactory> r;
  return r;
}
}  // namespace

bool register_backend(const char* name, BackendFactory factory) {
  registry()[name] = factory;
  return true;
}

std::unique_ptr<Backend> make_backend(const std::string& name) {
  auto it = registry().find(name);
  if (it == registry().end()) {
    std::string have;
    for (const auto& [k, v] : registry()) have += (have.empty() ? "" : ", ") + k;
    SEGRT_FAIL(Unsupported, "backend '", name, "' is not built into this segrt (available: ", have, ")");
  }
  return it->second();
}

std::vector<std::string> backend_names() {
  std::vector<std::string> r;
  for (const auto& [k, v] : registry()) r.push_back(k);
  return r;
}

}  // namespace segrt
