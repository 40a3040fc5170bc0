// Backend registry: each backend registers itself by name at static init.
#include "backend/backend.h"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace segrt {

std::vector<Tensor> Executable::run(const std::vector<Tensor>& inputs, const Observer* observer) {
  auto ctx = create_context();
  return run(*ctx, inputs, observer);
}

std::vector<Tensor> Executable::run(ExecContext& ctx, const std::vector<Tensor>& inputs, const Observer* observer) {
  const Graph& g = graph();
  SEGRT_CHECK(inputs.size() == g.inputs.size(), InvalidInput, "expected ", g.inputs.size(), " inputs, got ",
              inputs.size());
  std::vector<Binding> in, out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = g.value(g.inputs[i]);
    SEGRT_CHECK(inputs[i].dtype() == v.dtype && inputs[i].shape() == v.shape, InvalidInput, "input ", i, " is ",
                dtype_name(inputs[i].dtype()), shape_str(inputs[i].shape()), "; compiled for ", dtype_name(v.dtype),
                shape_str(v.shape));
    in.push_back({const_cast<void*>(inputs[i].raw()), false});
  }
  std::vector<Tensor> outs;
  for (int o : g.outputs) {
    const Value& v = g.value(o);
    outs.emplace_back(output_dtype(v.dtype), v.shape, v.layout);
    out.push_back({outs.back().raw(), false});
  }
  ctx.enqueue(in, out, nullptr, observer);
  ctx.wait();
  return outs;
}

void* Backend::device_alloc(size_t, int) { SEGRT_FAIL(Device, "the ", name(), " backend has no device memory"); }
void Backend::device_free(void*, int) {}
void Backend::device_copy(void*, const void*, size_t, bool, int) {
  SEGRT_FAIL(Device, "the ", name(), " backend has no device memory");
}
void* Backend::host_alloc(size_t bytes, int) {
  void* p = std::aligned_alloc(64, (std::max<size_t>(bytes, 1) + 63) / 64 * 64);
  SEGRT_CHECK(p != nullptr, OutOfMemory, "cannot allocate ", bytes, " bytes of host memory");
  return p;
}
void Backend::host_free(void* p, int) { std::free(p); }

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
