// Engine: import, backend choice, per-shape specialisation and execution.
#include <algorithm>
#include <cstring>
#include <iostream>

#include "import/importer.h"
#include "ir/shape.h"
#include "runtime/engine_impl.h"

namespace segrt {

Graph specialize(const Graph& model, const std::vector<Shape>& input_shapes, PassLog& log,
                 const std::map<int, Tensor>& bound) {
  Graph g = model;
  SEGRT_CHECK(input_shapes.size() == g.inputs.size(), InvalidInput, "the model takes ", g.inputs.size(),
              " inputs, got ", input_shapes.size());
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    Value& v = g.value(g.inputs[i]);
    v.shape = input_shapes[i];
    v.shape_known = true;
  }
  for (const auto& [id, t] : bound) g.value(id).constant = t;
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

namespace {
// A plan-cache key part holding a bound input's values (floats by bit pattern).
Shape value_key(const Tensor& t) {
  Shape k;
  if (dtype_is_float(t.dtype()))
    for (double d : t.to_f64_vector()) {
      int64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      k.push_back(bits);
    }
  else
    k = t.to_i64_vector();
  return k;
}
}  // namespace

bool Engine::Impl::bind_inputs_for(int value_id, const std::vector<Tensor>& inputs) {
  constexpr int64_t kMaxBoundElements = 4096;  // shape-like data, never an image
  bool added = false;
  std::vector<char> seen(model.values.size(), 0);
  std::vector<int> stack{value_id};
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (id < 0 || seen[id]) continue;
    seen[id] = 1;
    auto it = std::find(model.inputs.begin(), model.inputs.end(), id);
    if (it != model.inputs.end()) {
      size_t i = static_cast<size_t>(it - model.inputs.begin());
      if (inputs[i].numel() <= kMaxBoundElements &&
          std::find(bound_inputs.begin(), bound_inputs.end(), i) == bound_inputs.end()) {
        bound_inputs.push_back(i);
        added = true;
      }
    }
    int p = model.value(id).producer;
    if (p >= 0)
      for (int in : model.nodes[p].inputs) stack.push_back(in);
  }
  return added;
}

Plan& Engine::Impl::plan_for(const std::vector<Tensor>& inputs) {
  std::vector<Shape> shapes, key;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  std::map<int, Tensor> bound;
  auto p = std::make_unique<Plan>();
  for (;;) {  // grows bound_inputs until shape inference has every value it needs
    key = shapes;
    bound.clear();
    for (size_t i : bound_inputs) {
      key.push_back(value_key(inputs[i]));
      bound[model.inputs[i]] = inputs[i];
    }
    auto it = plans.find(key);
    if (it != plans.end()) return *it->second;
    try {
      p->graph = specialize(model, shapes, p->log, bound);
      break;
    } catch (const NeedsConstant& e) {
      if (!bind_inputs_for(e.value_id(), inputs)) throw;
      p->log = PassLog();
    }
  }
  for (const auto& [id, t] : bound)
    p->log.note("specialize", "input '" + model.value(id).name + "' " + shape_str(t.shape()) +
                                  " sets shapes, so this plan holds for its current value only");
  if (backend_name != "ref") {  // the oracle runs the canonical graph untouched
    run_optimization_passes(p->graph, p->log, backend->pass_options());
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
  return *plans.emplace(key, std::move(p)).first->second;
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
    Plan& p = impl_->plan_for(inputs);
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
