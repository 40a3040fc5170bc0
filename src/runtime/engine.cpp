// Engine: import, backend choice, per-shape specialisation and execution.
#include <algorithm>
#include <iostream>

#include "import/importer.h"
#include "ir/shape.h"
#include "runtime/engine_impl.h"

namespace segrt {

Graph specialize(const Graph& model, const std::vector<Shape>& input_shapes, PassLog& log) {
  Graph g = model;
  SEGRT_CHECK(input_shapes.size() == g.inputs.size(), InvalidInput, "the model takes ", g.inputs.size(),
              " inputs, got ", input_shapes.size());
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    Value& v = g.value(g.inputs[i]);
    v.shape = input_shapes[i];
    v.shape_known = true;
  }
  for (auto& v : g.values)
    if (v.is_constant()) {
      v.shape = v.constant.shape();
      v.dtype = v.constant.dtype();
      v.shape_known = true;
    }
  run_shape_passes(g, log);
  verify_graph(g);
  return g;
}

std::unique_ptr<Backend> choose_backend(const std::string& requested, bool verbose, std::string* chosen) {
  auto names = backend_names();
  auto built = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (requested != "auto") {
    auto be = make_backend(requested);
    std::string why;
    if (!be->available(&why)) {
      if (requested == "cuda" && built("cpu")) {
        std::cerr << "segrt: CUDA unavailable (" << why << "); falling back to the CPU backend\n";
        *chosen = "cpu";
        return make_backend("cpu");
      }
      SEGRT_FAIL(Device, "backend '", requested, "' is unavailable: ", why);
    }
    *chosen = requested;
    return be;
  }
  if (built("cuda")) {
    auto be = make_backend("cuda");
    std::string why;
    if (be->available(&why)) {
      *chosen = "cuda";
      return be;
    }
    std::cerr << "segrt: no usable GPU (" << why << "); running on the CPU\n";
  }
  *chosen = built("cpu") ? "cpu" : "ref";
  if (verbose) std::cerr << "segrt: backend " << *chosen << "\n";
  return make_backend(*chosen);
}

void Engine::Impl::check_inputs(const std::vector<Tensor>& inputs) const {
  SEGRT_CHECK(inputs.size() == model.inputs.size(), InvalidInput, "the model takes ", model.inputs.size(),
              " input(s), got ", inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = model.value(model.inputs[i]);
    const Tensor& t = inputs[i];
    SEGRT_CHECK(t.dtype() == v.dtype, InvalidInput, "input '", v.name, "' must be ", dtype_name(v.dtype), ", got ",
                dtype_name(t.dtype()));
    if (!v.shape_known) continue;
    bool ok = t.rank() == static_cast<int>(v.shape.size());
    for (size_t d = 0; ok && d < v.shape.size(); ++d) ok = v.shape[d] < 0 || v.shape[d] == t.shape()[d];
    SEGRT_CHECK(ok, InvalidInput, "input '", v.name, "' must have shape ", shape_str(v.shape), " (? = any), got ",
                shape_str(t.shape()));
  }
}

Plan& Engine::Impl::plan_for(const std::vector<Shape>& shapes) {
  auto it = plans.find(shapes);
  if (it != plans.end()) return *it->second;
  auto p = std::make_unique<Plan>();
  p->graph = specialize(model, shapes, p->log);
  if (backend_name != "ref") {  // the oracle runs the canonical graph untouched
    run_optimization_passes(p->graph, p->log);
    verify_graph(p->graph);
  }
  for (const Node& n : p->graph.nodes) {
    std::string why;
    if (!backend->supports(p->graph, n, &why)) {
      Error e(ErrorKind::Unsupported, "backend '" + backend_name + "' cannot run this node: " + why);
      throw p->graph.annotate(e, n);
    }
  }
  if (options.verbose)
    for (const auto& line : p->log.lines) std::cerr << "segrt: " << line << "\n";
  CompileOptions co;
  co.precision = options.precision;
  co.device = options.device;
  co.threads = options.threads;
  co.verbose = options.verbose;
  p->exe = backend->compile(p->graph, co);
  return *plans.emplace(shapes, std::move(p)).first->second;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

Engine Engine::load(const std::string& path, const Options& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  ImportOptions io;
  io.weights_path = options.weights;
  impl->model = import_model(path, io);
  try {
    verify_graph(impl->model);
  } catch (Error& e) {
    throw e.with_file(path);
  }
  impl->backend = choose_backend(options.backend, options.verbose, &impl->backend_name);
  return Engine(std::move(impl));
}

static TensorInfo info_of(const Value& v) { return {v.name, v.dtype, v.shape, v.layout}; }

std::vector<TensorInfo> Engine::inputs() const {
  std::vector<TensorInfo> r;
  for (int i : impl_->model.inputs) r.push_back(info_of(impl_->model.value(i)));
  return r;
}

std::vector<TensorInfo> Engine::outputs() const {
  std::vector<TensorInfo> r;
  for (int i : impl_->model.outputs) r.push_back(info_of(impl_->model.value(i)));
  return r;
}

std::vector<Tensor> Engine::run(const std::vector<Tensor>& inputs) {
  try {
    impl_->check_inputs(inputs);
    std::vector<Shape> shapes;
    for (const auto& t : inputs) shapes.push_back(t.shape());
    Plan& p = impl_->plan_for(shapes);
    return p.exe->run(inputs, impl_->observer ? &impl_->observer : nullptr);
  } catch (Error& e) {
    throw e.with_file(impl_->model.source_file);
  } catch (const std::bad_alloc&) {
    Error e(ErrorKind::OutOfMemory, "host memory exhausted while running the model");
    throw e.with_file(impl_->model.source_file);
  }
}

void Engine::set_observer(TensorObserver observer) {
  if (!observer) {
    impl_->observer = nullptr;
    return;
  }
  impl_->observer = [observer](const Graph& g, const Node& n, int id, const Tensor& t) {
    observer(g.value(id).name, n.source_op.empty() ? op_name(n.op) : n.source_op, t);
  };
}

std::string Engine::backend() const { return impl_->backend_name; }
std::string Engine::device_name() const { return impl_->backend->device_name(); }

}  // namespace segrt
