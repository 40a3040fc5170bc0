// Engine: import, backend choice, per-shape specialisation and execution.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>

#include "import/importer.h"
#include "ir/shape.h"
#include "runtime/calibration.h"
#include "runtime/engine_impl.h"
#include "runtime/tuning_cache.h"

namespace segrt {

namespace {
// Milliseconds since t0, for the "startup:" lines (-v) that say where a
// process's first result goes: import, device, compile.
std::string ms_since(std::chrono::steady_clock::time_point t0) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  return b;
}
}  // namespace

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

std::unique_ptr<Backend> choose_backend(const std::string& requested, const std::string& precision, int device,
                                        const LogSink& log, std::string* chosen) {
  auto names = backend_names();
  auto built = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  auto say = [&](LogLevel l, const std::string& m) {
    if (log) log(l, m);
  };
  if (requested != "auto") {
    auto be = make_backend(requested);
    std::string why;
    if (!be->available(&why)) {
      if (requested == "cuda" && built("cpu")) {
        say(LogLevel::Notice, "CUDA unavailable (" + why + "); falling back to the CPU backend");
        *chosen = "cpu";
        return make_backend("cpu");
      }
      SEGRT_FAIL(Device, "backend '", requested, "' is unavailable: ", why);
    }
    // The device is there but cannot do what was asked (bf16 on Turing): an error.
    SEGRT_CHECK(be->available_for(precision, device, &why), Device, "backend '", requested, "': ", why);
    *chosen = requested;
    return be;
  }
  if (built("cuda")) {
    auto be = make_backend("cuda");
    std::string why;
    if (be->available_for(precision, device, &why)) {
      *chosen = "cuda";
      return be;
    }
    say(LogLevel::Notice, "no usable GPU (" + why + "); running on the CPU");
  }
  *chosen = built("cpu") ? "cpu" : "ref";
  say(LogLevel::Debug, "backend " + *chosen);
  return make_backend(*chosen);
}

void Engine::Impl::say(LogLevel level, const std::string& message) const {
  if (level == LogLevel::Debug && !options.verbose) return;
  if (options.log) options.log(level, message);
}

void Engine::Impl::check_inputs(const std::vector<Tensor>& inputs) const {
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  for (const auto& t : inputs) {
    shapes.push_back(t.shape());
    dtypes.push_back(t.dtype());
  }
  check_shapes(shapes, dtypes);
}

void Engine::Impl::check_shapes(const std::vector<Shape>& shapes, const std::vector<DType>& dtypes) const {
  SEGRT_CHECK(shapes.size() == model.inputs.size(), InvalidInput, "the model takes ", model.inputs.size(),
              " input(s), got ", shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Value& v = model.value(model.inputs[i]);
    if (i < dtypes.size())
      SEGRT_CHECK(dtypes[i] == v.dtype, InvalidInput, "input '", v.name, "' must be ", dtype_name(v.dtype), ", got ",
                  dtype_name(dtypes[i]));
    for (int64_t d : shapes[i])
      SEGRT_CHECK(d >= 0, InvalidInput, "input '", v.name, "': shape ", shape_str(shapes[i]), " has a negative dimension");
    if (!v.shape_known) continue;
    bool ok = shapes[i].size() == v.shape.size();
    for (size_t d = 0; ok && d < v.shape.size(); ++d) ok = v.shape[d] < 0 || v.shape[d] == shapes[i][d];
    SEGRT_CHECK(ok, InvalidInput, "input '", v.name, "' must have shape ", shape_str(v.shape), " (? = any), got ",
                shape_str(shapes[i]));
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
    if (id < 0 || id >= static_cast<int>(seen.size()) || seen[id]) continue;  // ids made while specialising: not the model's
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
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  std::lock_guard<std::mutex> lock(mu);
  return build_plan(shapes, &inputs);
}

Plan& Engine::Impl::plan_for_shapes(const std::vector<Shape>& shapes) {
  std::lock_guard<std::mutex> lock(mu);
  return build_plan(shapes, nullptr);
}

// Called with `mu` held. Without input values (plan_for_shapes) a model whose
// shapes depend on an input's values cannot be planned: NeedsConstant escapes.
Plan& Engine::Impl::build_plan(const std::vector<Shape>& shapes, const std::vector<Tensor>* inputs) {
  std::vector<Shape> key;
  std::map<int, Tensor> bound;
  auto p = std::make_unique<Plan>();
  for (;;) {  // grows bound_inputs until shape inference has every value it needs
    key = shapes;
    bound.clear();
    if (inputs)
      for (size_t i : bound_inputs) {
        key.push_back(value_key((*inputs)[i]));
        bound[model.inputs[i]] = (*inputs)[i];
      }
    auto it = plans.find(key);
    if (it != plans.end()) return *it->second;
    try {
      p->graph = specialize(model, shapes, p->log, bound);
      break;
    } catch (const NeedsConstant& e) {
      if (!inputs) {
        Error err(ErrorKind::InvalidInput, "this model's shapes depend on an input's values; run it (or bind them) "
                                           "instead of compiling for shapes alone");
        throw err.with_file(model.source_file);
      }
      if (!bind_inputs_for(e.value_id(), *inputs)) throw;
      p->log = PassLog();
    }
  }
  for (const auto& [id, t] : bound)
    p->log.note("specialize", "input '" + model.value(id).name + "' " + shape_str(t.shape()) +
                                  " sets shapes, so this plan holds for its current value only");
  if (quant) {  // a calibrated model: Q/DQ before the convolutions, for every backend (the oracle included)
    fold_batchnorm(p->graph, p->log);  // first: the weights quantized are the folded ones
    QuantSpec spec = *quant;
    const Backend::QuantPrefs prefs = backend->quant_prefs(options.knobs, options.device);
    spec.signed_activations = prefs.signed_activations;
    spec.min_channels = prefs.min_channels;
    spec.shared_scales = prefs.int8_data_movement;
    spec.symmetric_pads_only = prefs.symmetric_pads_only;
    insert_qdq(p->graph, spec, p->log);
    verify_graph(p->graph);
  }
  if (backend_name != "ref") {  // the oracle runs the canonical graph untouched
    run_optimization_passes(p->graph, p->log, backend->pass_options(options.knobs, options.device));
    verify_graph(p->graph);
  }
  for (const Node& n : p->graph.nodes) {
    std::string why;
    if (!backend->supports(p->graph, n, &why)) {
      Error e(ErrorKind::Unsupported, "backend '" + backend_name + "' cannot run this node: " + why);
      throw p->graph.annotate(e, n);
    }
  }
  for (const auto& line : p->log.lines) say(LogLevel::Debug, line);
  CompileOptions co;
  co.precision = options.precision;
  co.device = options.device;
  co.threads = options.threads;
  co.verbose = options.verbose;
  co.knobs = options.knobs;
  co.log = [this](LogLevel l, const std::string& m) { say(l, m); };
  std::unique_ptr<TuningFile> tuning;
  if (cache) {
    tuning = cache->open(backend->device_key(options.device), model_hash, shapes, options.precision);
    co.tuning_store = tuning.get();
  }
  auto t_compile = std::chrono::steady_clock::now();
  p->exe = backend->compile(p->graph, co);
  if (tuning) tuning->save();
  say(LogLevel::Debug, "startup: " + backend_name + " compile for " + shape_str(shapes.empty() ? Shape{} : shapes[0]) +
                           " took " + ms_since(t_compile) + " ms" + (cache ? " (tuning cache on)" : ""));
  if (const auto& fb = p->exe->report.fallbacks; !fb.empty())
    say(LogLevel::Notice, backend_name + ": " + std::to_string(fb.size()) + " node(s) not on the backend's own kernels, first " +
                              fb[0] + " (PlanInfo::fallbacks; segrt inspect --verbose --backend " + backend_name + ")");
  const Graph& g = p->exe->graph();
  for (int id : g.inputs) {
    const Value& v = g.value(id);
    p->inputs.push_back({v.name, v.dtype, v.shape, v.layout});
  }
  for (int id : g.outputs) {
    const Value& v = g.value(id);
    p->outputs.push_back({v.name, p->exe->output_dtype(v.dtype), v.shape, v.layout});
  }
  return *plans.emplace(key, std::move(p)).first->second;
}

std::unique_ptr<ExecContext> Plan::acquire(int max_contexts) {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [&] { return !idle_.empty() || max_contexts <= 0 || created_ < max_contexts; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  ++created_;
  lock.unlock();
  try {
    return exe->create_context();  // outside the lock: may allocate and capture
  } catch (...) {
    discard();
    throw;
  }
}

void Plan::release(std::unique_ptr<ExecContext> ctx) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(ctx));
  }
  idle_cv_.notify_one();
}

void Plan::discard() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --created_;
  }
  idle_cv_.notify_one();
}

int Plan::contexts_created() const {
  std::lock_guard<std::mutex> lock(mu_);
  return created_;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

namespace {
// Picks the backend and brings its device up (CUDA context, cuDNN and cuBLAS
// loaded: much of a warm start). None of it depends on the model, so load()
// runs it while the importer parses the file -- but not beside an import that
// forks (the isolated HDF5 parse): a child forked while another thread is
// inside the CUDA driver would inherit its locks held.
std::future<void> bring_up_backend(Engine::Impl& impl, bool beside_import) {
  auto task = [&impl] {
    auto t0 = std::chrono::steady_clock::now();
    auto say = [&impl](LogLevel l, const std::string& m) { impl.say(l, m); };
    impl.backend = choose_backend(impl.options.backend, impl.options.precision, impl.options.device, say,
                                  &impl.backend_name);
    impl.backend->warm_up(impl.options.device);
    // Page-locked outputs on the GPU, at most 1 GiB of them (then plain memory).
    impl.outputs = std::make_shared<OutputPool>(impl.backend, impl.options.device, impl.backend_name == "cuda",
                                                size_t{1} << 30);
    impl.say(LogLevel::Debug, "startup: backend " + impl.backend_name + " ready in " + ms_since(t0) + " ms" +
                                  (impl.backend_name == "cuda" ? " (device context, cuDNN and cuBLAS loaded)" : ""));
  };
  return std::async(beside_import ? std::launch::async : std::launch::deferred, task);
}

Engine::Impl* finish_load(Engine::Impl& impl, std::future<void>& backend) {
  backend.get();
  try {
    verify_graph(impl.model);
  } catch (Error& e) {
    throw e.with_file(impl.model.source_file);
  }
  if (!impl.options.calibration.empty()) {
    impl.quant = std::make_shared<QuantSpec>(
        quant_spec(read_calibration(impl.options.calibration), impl.options.layer_precision));
  } else {
    SEGRT_CHECK(impl.options.layer_precision.empty(), InvalidInput, "--layer-precision needs a --calibration table");
  }
  if (!impl.options.cache_dir.empty()) {
    impl.model_hash = graph_content_hash(impl.model);
    impl.cache = std::make_unique<TuningCache>(impl.options.cache_dir, [&impl](LogLevel l, const std::string& m) {
      impl.say(l, m);
    });
  }
  return &impl;
}

// The importer's share of the engine options.
ImportOptions import_options(const Options& options) {
  ImportOptions io;
  io.weights_path = options.weights;
  io.isolate = options.isolate_import;
  io.max_tensor_bytes = options.max_tensor_bytes;
  return io;
}
}  // namespace

Engine Engine::load(const std::string& path, const Options& options) {
  auto t0 = std::chrono::steady_clock::now();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  const ImportOptions io = import_options(options);
  std::future<void> backend = bring_up_backend(*impl, !import_forks(path, io));
  impl->model = import_model(path, io);
  impl->say(LogLevel::Debug, "startup: import took " + ms_since(t0) + " ms");
  finish_load(*impl, backend);
  return Engine(std::move(impl));
}

Engine Engine::load_from_memory(const void* data, size_t size, const std::string& format, const Options& options,
                                const std::string& name) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  const ImportOptions io = import_options(options);
  std::future<void> backend = bring_up_backend(*impl, !io.isolate);
  impl->model = import_model_bytes(data, size, format, name, io);
  finish_load(*impl, backend);
  return Engine(std::move(impl));
}

static TensorInfo info_of(const Value& v) { return {v.name, v.dtype, v.shape, v.layout, v.shape_known}; }

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
    std::vector<Tensor> outs;
    std::vector<Binding> in, out;
    for (const Tensor& t : inputs) in.push_back({const_cast<void*>(t.raw()), false});
    for (const TensorInfo& o : p.outputs) {
      outs.push_back(impl_->outputs->tensor(o.dtype, o.shape, o.layout));
      out.push_back({outs.back().raw(), false});
    }
    auto ctx = p.acquire(impl_->options.max_contexts);
    try {
      ctx->enqueue(in, out, nullptr, impl_->observer ? &impl_->observer : nullptr);
      ctx->wait();
    } catch (...) {
      p.discard();  // a context a run failed in is not reused
      throw;
    }
    p.release(std::move(ctx));
    return outs;
  } catch (Error& e) {
    throw e.with_file(impl_->model.source_file);
  } catch (const std::bad_alloc&) {
    Error e(ErrorKind::OutOfMemory, "host memory exhausted while running the model");
    throw e.with_file(impl_->model.source_file);
  }
}

void Engine::precompile(const std::vector<std::vector<Shape>>& input_shapes) {
  for (const auto& shapes : input_shapes) {
    try {
      impl_->check_shapes(shapes, {});
      impl_->plan_for_shapes(shapes);
    } catch (Error& e) {
      throw e.with_file(impl_->model.source_file);
    }
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
const Options& Engine::options() const { return impl_->options; }

}  // namespace segrt
