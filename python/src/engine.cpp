// segrt.Engine: load (GIL released), run on NumPy / CUDA / DLPack arrays
// through an execution context bound to the caller's memory (no copies where
// the memory allows), observe activations. Each run takes a context from the
// engine's pool, so Python threads run concurrently on one engine.
#include "engine.h"

#include <optional>

#include "arrays.h"

namespace segrt::py {

namespace {

// Set while this thread runs a model: observe() from an observer callback
// would wait for its own run to end.
thread_local bool t_in_run = false;

struct InRun {
  InRun() { t_in_run = true; }
  ~InRun() { t_in_run = false; }
};

bool interpreter_alive() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsInitialized() && !Py_IsFinalizing();  // public from 3.13
#else
  return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

// ONNX files have no magic; HDF5 and zip (.keras) files do.
std::string detect_format(const std::string& bytes) {
  if (bytes.rfind("\x89HDF\r\n\x1a\n", 0) == 0) return "h5";
  if (bytes.rfind("PK\x03\x04", 0) == 0) return "keras";
  return "onnx";
}

std::string layout_str(Layout l) { return l == Layout::Plain ? "" : layout_name(l); }

pyb::object dtype_obj(DType t) {
  if (t == DType::bf16) return pyb::str("bfloat16");
  return numpy_dtype(t);
}

}  // namespace

PyEngine::PyEngine(Engine engine, std::string model_path, std::shared_ptr<pyb::object> log_sink)
    : engine_(std::move(engine)), model_path_(std::move(model_path)), log_sink_(std::move(log_sink)) {
  inputs_ = engine_.inputs();
  outputs_ = engine_.outputs();
  max_runs_ = engine_.options().max_contexts;
}

// Waits (GIL released by the caller) for a free slot when max_contexts caps the runs.
struct PyEngine::Slot {
  PyEngine& e;
  explicit Slot(PyEngine& engine) : e(engine) {
    if (e.max_runs_ <= 0) return;
    std::unique_lock<std::mutex> lock(e.slots_mu_);
    e.slots_cv_.wait(lock, [&] { return e.running_ < e.max_runs_; });
    ++e.running_;
  }
  ~Slot() {
    if (e.max_runs_ <= 0) return;
    {
      std::lock_guard<std::mutex> lock(e.slots_mu_);
      --e.running_;
    }
    e.slots_cv_.notify_one();
  }
};

PyEngine::~PyEngine() {
  // Stop calling into Python before the Python objects go.
  engine_.set_observer(nullptr);
}

std::vector<pyb::object> PyEngine::input_list(pyb::object inputs) const {
  std::vector<pyb::object> objs;
  if (pyb::isinstance<pyb::dict>(inputs)) {
    pyb::dict d = inputs;
    for (const auto& info : inputs_) {
      SEGRT_CHECK(d.contains(info.name), InvalidInput, "input '", info.name, "' is missing from the dict given");
      objs.push_back(d[pyb::str(info.name)]);
    }
    SEGRT_CHECK(d.size() == inputs_.size(), InvalidInput, "the dict names ", d.size(), " inputs, the model has ",
                inputs_.size());
  } else if (pyb::isinstance<pyb::list>(inputs) || pyb::isinstance<pyb::tuple>(inputs)) {
    for (auto o : inputs) objs.push_back(pyb::reinterpret_borrow<pyb::object>(o));
  } else {
    objs.push_back(inputs);  // one array for a one-input model
  }
  SEGRT_CHECK(objs.size() == inputs_.size(), InvalidInput, "the model takes ", inputs_.size(), " input(s), ",
              objs.size(), " given");
  return objs;
}

void PyEngine::raise_observer_error() {
  std::lock_guard<std::mutex> lock(errors_mu_);
  auto it = observer_errors_.find(std::this_thread::get_id());
  if (it == observer_errors_.end()) return;
  pyb::error_already_set e = std::move(it->second);
  observer_errors_.erase(it);
  throw e;
}

pyb::list PyEngine::run(pyb::object inputs, pyb::object outputs, pyb::object stream) {
  std::vector<pyb::object> in_objs = input_list(inputs);
  // Caller-provided outputs, by position (None: segrt allocates).
  std::vector<pyb::object> out_objs(outputs_.size(), pyb::none());
  if (pyb::isinstance<pyb::dict>(outputs)) {
    for (auto [k, v] : pyb::dict(outputs)) {
      std::string name = pyb::str(k);
      size_t i = 0;
      while (i < outputs_.size() && outputs_[i].name != name) ++i;
      SEGRT_CHECK(i < outputs_.size(), InvalidInput, "the model has no output '", name, "'");
      out_objs[i] = pyb::reinterpret_borrow<pyb::object>(v);
    }
  } else if (!outputs.is_none()) {
    pyb::list l(outputs);
    SEGRT_CHECK(l.size() == outputs_.size(), InvalidInput, "the model has ", outputs_.size(), " output(s), ",
                l.size(), " arrays given");
    for (size_t i = 0; i < l.size(); ++i) out_objs[i] = l[i];
  }
  pyb::handle first_cuda;
  for (const auto& o : in_objs)
    if (!first_cuda && is_cuda_array(o)) first_cuda = o;
  bool device_out = static_cast<bool>(first_cuda);
  for (const auto& o : out_objs)
    if (!first_cuda && !o.is_none() && is_cuda_array(o)) first_cuda = o;
  intptr_t s = first_cuda || !stream.is_none() ? resolve_stream(stream, first_cuda) : 0;
  int device = engine_.options().device;

  std::vector<BoundArray> in;
  std::vector<Shape> shapes;
  for (size_t i = 0; i < in_objs.size(); ++i) {
    in.push_back(bind_array(in_objs[i], {"input '" + inputs_[i].name + "'", inputs_[i].dtype, false, s}));
    SEGRT_CHECK(in.back().device < 0 || in.back().device == device, InvalidInput, "input '", inputs_[i].name,
                "' is on CUDA device ", in.back().device, ", the engine on device ", device);
    shapes.push_back(in.back().view.shape);
  }
  std::optional<Slot> slot;
  std::optional<Context> ctx;  // destroyed before the slot: back in the pool first
  {
    pyb::gil_scoped_release nogil;  // may wait for a slot, may compile for new shapes
    slot.emplace(*this);
    ctx.emplace(engine_.create_context(shapes));
  }
  for (size_t i = 0; i < in.size(); ++i) ctx->bind_input(i, in[i].view);
  std::vector<BoundArray> out;
  pyb::list result;
  for (size_t k = 0; k < ctx->outputs().size(); ++k) {
    const TensorInfo& o = ctx->outputs()[k];
    std::string what = "output '" + o.name + "'";
    if (!out_objs[k].is_none()) {
      out.push_back(bind_array(out_objs[k], {what, o.dtype, true, s}));
      result.append(out_objs[k]);
    } else if (device_out) {
      auto mem = std::make_shared<DeviceMemory>();
      mem->engine = shared_from_this();
      mem->buffer = engine_.allocate_device(static_cast<size_t>(shape_numel(o.shape)) * dtype_size(o.dtype));
      BoundArray b;
      b.view = mem->buffer.view(o.dtype, o.shape);
      out.push_back(std::move(b));
      result.append(pyb::cast(DeviceArray{mem, o.dtype, o.shape, device}));
    } else {
      pyb::array a(numpy_dtype(o.dtype), o.shape);
      out.push_back(bind_array(a, {what, o.dtype, true, s}));
      result.append(a);
    }
    ctx->bind_output(k, out.back().view);
  }
  {
    pyb::gil_scoped_release nogil;
    std::shared_lock<std::shared_mutex> lock(observer_mu_);
    InRun in_run;
    ctx->enqueue(s ? reinterpret_cast<void*>(s) : nullptr);
    ctx->wait();
  }
  raise_observer_error();
  return result;
}

std::vector<Tensor> PyEngine::run_tensors(const std::vector<Tensor>& in) {
  std::shared_lock<std::shared_mutex> lock(observer_mu_);
  InRun in_run;
  return engine_.run(in);
}

void PyEngine::observe(pyb::object callback) {
  SEGRT_CHECK(callback.is_none() || PyCallable_Check(callback.ptr()), InvalidInput,
              "observe() takes a callable(name, op, array) or None");
  SEGRT_CHECK(!t_in_run, InvalidInput, "observe() cannot be called from inside a run (an observer callback)");
  std::unique_lock<std::shared_mutex> lock(observer_mu_, std::defer_lock);
  {
    pyb::gil_scoped_release nogil;  // runs in flight may be calling the old observer
    lock.lock();
  }
  observer_ = callback;
  if (callback.is_none()) {
    engine_.set_observer(nullptr);
    return;
  }
  engine_.set_observer([this](const std::string& name, const std::string& op, const Tensor& value) {
    pyb::gil_scoped_acquire gil;
    try {
      Tensor v = value.dtype() == DType::f32 ? value : value.to_f32();
      pyb::array a(pyb::dtype("float32"), v.shape(), static_cast<const float*>(v.raw()));  // a copy
      observer_(name, op, a);
    } catch (pyb::error_already_set& e) {
      std::lock_guard<std::mutex> l(errors_mu_);
      observer_errors_.emplace(std::this_thread::get_id(), std::move(e));  // the first one of this run stays
    }
  });
}

namespace {

std::shared_ptr<PyEngine> load(pyb::object model, const std::string& backend, const std::string& precision,
                               int threads, int device, pyb::object cache_dir, pyb::object weights,
                               pyb::object format, int max_contexts, pyb::object log, bool verbose, bool trusted) {
  Options opt;
  opt.backend = backend;
  opt.precision = precision;
  opt.threads = threads;
  opt.device = device;
  opt.max_contexts = max_contexts;
  opt.verbose = verbose;
  opt.isolate_import = !trusted;
  pyb::module_ os = pyb::module_::import("os");
  if (!cache_dir.is_none()) opt.cache_dir = pyb::str(os.attr("fspath")(cache_dir));
  if (!weights.is_none()) opt.weights = pyb::str(os.attr("fspath")(weights));
  // Messages go to `log(level, message)`; by default to Python's logging ("segrt").
  if (log.is_none()) log = pyb::module_::import("segrt._logging").attr("emit");
  SEGRT_CHECK(PyCallable_Check(log.ptr()), InvalidInput, "log: a callable(level, message) or None");
  std::shared_ptr<pyb::object> sink(new pyb::object(log), [](pyb::object* p) {
    if (interpreter_alive()) {
      pyb::gil_scoped_acquire gil;
      delete p;
    }  // else: leaked at interpreter exit, as Python leaks it
  });
  opt.log = [sink](LogLevel level, const std::string& message) {
    if (!interpreter_alive()) return;
    pyb::gil_scoped_acquire gil;
    try {
      (*sink)(log_level_name(level), message);
    } catch (pyb::error_already_set& e) {
      e.discard_as_unraisable("segrt log callback");
    }
  };
  bool is_bytes = pyb::isinstance<pyb::bytes>(model) || pyb::isinstance<pyb::bytearray>(model) ||
                  PyMemoryView_Check(model.ptr());
  if (is_bytes) {
    std::string bytes = pyb::bytes(pyb::module_::import("builtins").attr("bytes")(model));
    std::string fmt = format.is_none() ? detect_format(bytes) : format.cast<std::string>();
    std::optional<Engine> e;
    {
      pyb::gil_scoped_release nogil;
      e.emplace(Engine::load_from_memory(bytes.data(), bytes.size(), fmt, opt));
    }
    return std::make_shared<PyEngine>(std::move(*e), "", sink);
  }
  std::string path = pyb::str(os.attr("fspath")(model));
  std::optional<Engine> e;
  {
    pyb::gil_scoped_release nogil;
    e.emplace(Engine::load(path, opt));
  }
  return std::make_shared<PyEngine>(std::move(*e), path, sink);
}

pyb::tuple shape_tuple(const Shape& s) {
  pyb::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = s[i] < 0 ? pyb::object(pyb::none()) : pyb::object(pyb::int_(s[i]));
  return t;
}

}  // namespace

void register_engine(pyb::module_& m) {
  pyb::class_<TensorInfo>(m, "TensorInfo", "An input or output: name, dtype, shape (None: set at run time), layout.")
      .def_property_readonly("name", [](const TensorInfo& t) { return t.name; })
      .def_property_readonly("dtype", [](const TensorInfo& t) { return dtype_obj(t.dtype); })
      .def_property_readonly("shape", [](const TensorInfo& t) {
        return t.shape_known ? pyb::object(shape_tuple(t.shape)) : pyb::object(pyb::none());  // rank unknown
      })
      .def_property_readonly("layout", [](const TensorInfo& t) { return layout_str(t.layout); })
      .def("__repr__", [](const TensorInfo& t) {
        std::string s = "TensorInfo(name='" + t.name + "', dtype=" + dtype_name(t.dtype) + ", shape=" +
                        (t.shape_known ? std::string(pyb::str(shape_tuple(t.shape))) : "None");
        return s + (t.layout == Layout::Plain ? "" : ", layout=" + layout_str(t.layout)) + ")";
      });

  pyb::class_<PyEngine, std::shared_ptr<PyEngine>>(m, "Engine", R"(A loaded model, ready to run (docs/python.md).

Engine(model, backend="auto", precision="fp32", threads=0, device=0, cache_dir=None,
       weights=None, format=None, max_contexts=0, log=None, verbose=False, trusted=False)
model: a path (.onnx, .h5, .keras, Keras .json with weights=) or the bytes of a file.
run() may be called from many threads at once; the GIL is released while it runs.)")
      .def(pyb::init(&load), pyb::arg("model"), pyb::arg("backend") = "auto", pyb::arg("precision") = "fp32",
           pyb::arg("threads") = 0, pyb::arg("device") = 0, pyb::arg("cache_dir") = pyb::none(),
           pyb::arg("weights") = pyb::none(), pyb::arg("format") = pyb::none(), pyb::arg("max_contexts") = 0,
           pyb::arg("log") = pyb::none(), pyb::arg("verbose") = false, pyb::arg("trusted") = false)
      .def_property_readonly("inputs", [](PyEngine& e) { return e.engine().inputs(); })
      .def_property_readonly("outputs", [](PyEngine& e) { return e.engine().outputs(); })
      .def_property_readonly("backend", [](PyEngine& e) { return e.engine().backend(); })
      .def_property_readonly("device_name", [](PyEngine& e) { return e.engine().device_name(); })
      .def_property_readonly("precision", [](PyEngine& e) { return e.engine().options().precision; })
      .def_property_readonly("device", [](PyEngine& e) { return e.engine().options().device; })
      .def_property_readonly("threads", [](PyEngine& e) { return e.engine().options().threads; })
      .def_property_readonly("model_path", [](PyEngine& e) { return e.model_path(); })
      .def("run", &PyEngine::run, pyb::arg("inputs"), pyb::arg("outputs") = pyb::none(),
           pyb::arg("stream") = pyb::none(),
           R"(Runs the model. inputs: a dict by name, a list in the model's order, or one array.
Arrays: NumPy (used in place when C-contiguous and of the model's dtype; float64 becomes
float32), CUDA arrays (__cuda_array_interface__, DLPack: PyTorch, CuPy) used in place.
outputs: arrays to write into (dict or list), else new NumPy arrays (host inputs) or
segrt.DeviceArray (CUDA inputs). stream: CUDA stream to order the run on (int handle,
torch.cuda.Stream, cupy Stream); default: the arrays' current stream. Returns the outputs
(a list in the model's order) once they are ready.)")
      .def("precompile",
           [](PyEngine& e, const std::vector<std::vector<Shape>>& shapes) {
             pyb::gil_scoped_release nogil;
             e.engine().precompile(shapes);
           },
           pyb::arg("shapes"), "Compiles for each list of input shapes now, so the first run is fast.")
      .def("device_array",
           [](PyEngine& e, const Shape& shape, pyb::object dtype) {
             DType dt = dtype_from_numpy(pyb::dtype::from_args(dtype), "device_array");
             auto mem = std::make_shared<DeviceMemory>();
             mem->engine = e.shared_from_this();
             mem->buffer = e.engine().allocate_device(static_cast<size_t>(shape_numel(shape)) * dtype_size(dt));
             return DeviceArray{mem, dt, shape, e.engine().options().device};
           },
           pyb::arg("shape"), pyb::arg("dtype") = "float32",
           R"(Uninitialised device memory from the engine (cuda backend; DeviceError on host backends),
for device I/O without PyTorch or CuPy: fill it with copy_from(ndarray), pass it to run().)")
      .def("observe", &PyEngine::observe, pyb::arg("callback"),
           R"(callback(name, op, array) is called for every tensor of the following runs (array:
a float32 copy), from the running thread; None stops. An exception in it is raised by run().)")
      .def("__repr__", [](PyEngine& e) {
        return "segrt.Engine('" + e.model_path() + "', backend='" + e.engine().backend() + "', precision='" +
               e.engine().options().precision + "')";
      });
}

}  // namespace segrt::py
