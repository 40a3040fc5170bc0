// The backend interface (after ggml's): a backend answers supports() for each
// node (whether it can run it at all, natively or through the reference
// kernel; its op tables are filled by the registrations beside each op's
// code), says which activations it fuses into which producers, applies its
// private rewrites (rewrite()) and compiles a specialised graph (all shapes
// concrete, constants folded) into an Executable. An Executable is
// immutable after compilation (steps, weights, algorithm choices) and may be
// shared by threads; what a run writes lives in an ExecContext, one per
// concurrent caller (as TensorRT's engine and execution contexts).
//
//   auto be = make_backend("ref");
//   auto exe = be->compile(graph, options);
//   auto ctx = exe->create_context();
//   ctx->enqueue({{x.raw(), false}}, {{y.raw(), false}}, nullptr, nullptr);
//   ctx->wait();
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pass.h"
#include "segrt/options.h"

namespace segrt {

// The observation hook (used by `segrt compare`, --dump-activations and
// tests): called after a node with each of its outputs, as float32 host
// tensors in the value's own layout. Executables skip all work for it when null.
using Observer = std::function<void(const Graph& g, const Node& n, int value_id, const Tensor& t)>;

// Tuning choices by key (what was measured -> what won), shared by every
// compilation of one engine and persisted by runtime/tuning_cache.h. Keys say
// everything the choice depends on below the graph (op, shapes, types, layout);
// the store adds the device, library versions and precision. Thread-safe.
class TuningStore {
 public:
  virtual ~TuningStore() = default;
  virtual bool find(const std::string& key, std::string* value) const = 0;
  virtual void put(const std::string& key, const std::string& value) = 0;
};

// Messages for the user go to the engine's log callback; the library never writes to stderr.
using LogSink = LogCallback;

struct CompileOptions {
  std::string precision = "fp32";  // fp32 | tf32 | fp16 | bf16
  int device = 0;
  int threads = 0;                 // 0: all cores
  bool verbose = false;
  LogSink log;                     // may be empty
  BackendKnobs knobs;              // backend knobs (segrt/options.h)
  // Where the backend finds and records its tuning choices (cuDNN
  // algorithms) so that a later process need not search again; may be null.
  TuningStore* tuning_store = nullptr;
  void say(LogLevel level, const std::string& message) const {
    if (log) log(level, message);
  }
};

// Where a bound tensor lives: host memory or the backend's device.
struct Binding {
  void* data = nullptr;
  bool device = false;
};

// What a run writes: activation arena, stream, library handles, captured
// graph. One per concurrent caller; not itself thread-safe.
class ExecContext {
 public:
  virtual ~ExecContext() = default;
  // Starts a run that reads the inputs from and writes the outputs to the
  // bound addresses (sizes, dtypes and layouts as compiled: graph inputs and
  // outputs, float outputs as float32). `stream` is a cudaStream_t the run is
  // ordered after and that waits for it (nullptr: none). Host backends run
  // synchronously; a device backend returns once the work is queued.
  virtual void enqueue(const std::vector<Binding>& in, const std::vector<Binding>& out, void* stream,
                       const Observer* observer) = 0;
  virtual void wait() {}
  virtual bool poll() { return true; }
  // Timing of the last run (see Executable::Timing).
  struct Timing {
    double compute_ms = -1, h2d_ms = -1, d2h_ms = -1;
  };
  virtual Timing last_timing() const { return {}; }
  // Device memory this context holds (arena, workspace).
  virtual size_t device_bytes() const { return 0; }
};

class Executable {
 public:
  virtual ~Executable() = default;
  virtual std::unique_ptr<ExecContext> create_context() = 0;
  // Whether bindings may be device addresses (ExecContext::enqueue).
  virtual bool device_io() const { return false; }
  // The type an output binding holds for a graph output of type t.
  virtual DType output_dtype(DType t) const { return t; }
  // Convenience for tests: a fresh context, host tensors in graph-input order
  // (model layout), outputs in graph-output order.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, const Observer* observer);
  // The same on a given context (its CUDA graph and arena persist across runs).
  std::vector<Tensor> run(ExecContext& ctx, const std::vector<Tensor>& inputs, const Observer* observer);
  // Bytes the backend planned for activations and the naive sum (for reports).
  virtual size_t planned_bytes() const { return 0; }
  virtual size_t unplanned_bytes() const { return 0; }
  // Timing of the last run() for `segrt bench`, split where the backend can
  // measure it (a GPU backend: compute vs host<->device copies); a field < 0
  // was not measured. peak_device_bytes: most device memory held (0 on host).
  using Timing = ExecContext::Timing;
  // Device memory shared by all contexts (weights, constants), and what one
  // context adds (arena, workspace).
  virtual size_t shared_device_bytes() const { return 0; }
  virtual size_t context_device_bytes() const { return 0; }
  // The graph it runs: its outputs give the shapes and dtypes of the output
  // bindings (float outputs are written as float32). After the backend's own
  // rewrites (Backend::rewrite), so `segrt inspect --verbose` shows it.
  virtual const Graph& graph() const = 0;

  // What compile() did beyond the graph it was given, one line each by layer
  // (PlanInfo, `segrt inspect --verbose`): the backend's own rewrites, and the
  // nodes that do not run on its own kernels ("NODE (OP): why": the CPU's
  // reference kernel, CUDA's host steps). Filled by compile(), read-only after.
  struct Report {
    std::vector<std::string> rewrites, fallbacks;
  };
  Report report;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // False with a reason when the backend cannot run here (no GPU, old driver).
  virtual bool available(std::string* why) const {
    (void)why;
    return true;
  }
  // As available(), for one device and precision: false with a reason naming
  // the device when it cannot compute in that precision (bf16 on a Turing GPU).
  virtual bool available_for(const std::string& precision, int device, std::string* why) const {
    (void)precision;
    (void)device;
    return available(why);
  }
  virtual std::string device_name() const { return "host CPU"; }
  // False with a reason (op, attribute value or dtype) when the node cannot run.
  virtual bool supports(const Graph& g, const Node& n, std::string* why) const = 0;
  // Whether the backend has a kernel of its own for op; false: a node it
  // supports() runs on the reference kernel (on the host). The op tester
  // holds every backend to its own kernels for the ops it claims.
  virtual bool has_own_kernel(OpType op) const {
    (void)op;
    return true;
  }
  virtual std::unique_ptr<Executable> compile(const Graph& g, const CompileOptions& opts) = 0;

  // Whether the backend computes `act` inside `producer` (asked by fuse_activation,
  // through pass_options(knobs)); an activation it declines stays a node of its own.
  virtual bool can_fuse_activation(const Graph& g, const Node& producer, const Activation& act) const {
    (void)g, (void)producer, (void)act;
    return true;
  }
  // How a calibration table should quantize for this backend (insert_qdq):
  // signed activations only (no uint8: cuDNN's integer engines take int8),
  // and the fewest input / output channels a convolution needs to be
  // quantized (smaller ones stay float where 8-bit measured slower).
  // int8_data_movement: it runs MaxPool, Concat and nearest Resize on 8-bit
  // tensors, so tensors those join share one scale (QuantSpec::shared_scales)
  // and stay 8-bit between convolutions (sink_dequantize). fp8_convolutions:
  // it runs float8 e4m3fn convolutions (fuse_qdq_conv's fp8 form) on `device`.
  struct QuantPrefs {
    bool signed_activations = false;
    int64_t min_channels = 0;
    bool int8_data_movement = false;
    bool symmetric_pads_only = false;  // its 8-bit convolution takes one pad per axis
    bool fp8_convolutions = false;
  };
  // `knobs`: the backend's own overrides (cuda_int8_min_channels).
  virtual QuantPrefs quant_prefs(const BackendKnobs& knobs, int device = 0) const {
    (void)knobs, (void)device;
    return {};
  }
  PassOptions pass_options(const BackendKnobs& knobs = {}, int device = 0) const {
    const QuantPrefs q = quant_prefs(knobs, device);
    return {.fusible = [this](const Graph& g, const Node& p, const Activation& a) { return can_fuse_activation(g, p, a); },
            .int8_data_movement = q.int8_data_movement,
            .fp8_convolutions = q.fp8_convolutions};
  }
  // The backend's private rewrites (the one hook for them) on a specialised,
  // optimised graph: what compile() runs, so `inspect` can show it. Logged to `log`.
  virtual void rewrite(Graph& g, const CompileOptions& opts, PassLog& log) const { (void)g, (void)opts, (void)log; }
  // What tuning choices depend on below the graph (the tuning cache's device
  // key): the device's name and capability, library versions.
  virtual std::string device_key(int device) const { return name() + " " + device_name(); }
  // Device memory for device I/O; host backends throw Device.
  virtual void* device_alloc(size_t bytes, int device);
  virtual void device_free(void* p, int device);
  virtual void device_copy(void* dst, const void* src, size_t bytes, bool to_device, int device);
  // Loads what the first compile would (device context, libraries); called
  // once the backend is chosen, possibly beside the model's import.
  virtual void warm_up(int /*device*/) {}
  // Host memory for bindings: plain aligned memory here; pinned on a GPU backend.
  virtual void* host_alloc(size_t bytes, int device);
  virtual void host_free(void* p, int device);
};

using BackendFactory = std::unique_ptr<Backend> (*)();
bool register_backend(const char* name, BackendFactory factory);
// Throws Unsupported naming the backends that are built in.
std::unique_ptr<Backend> make_backend(const std::string& name);
std::vector<std::string> backend_names();

}  // namespace segrt
