// segrt's public entry point: load a model (ONNX, Keras), run it.
//
//   segrt::Options opt;
//   opt.backend = "auto";                       // cuda if a GPU is present, else cpu
//   segrt::Engine engine = segrt::Engine::load("unet.onnx", opt);
//   segrt::Tensor x(segrt::DType::f32, {1, 1, 256, 256});
//   std::vector<segrt::Tensor> y = engine.run({x});   // from any number of threads
//
// Threading and lifetime (docs/library.md):
//  - Engine::run, precompile, create_context, model_info and plan_info may be
//    called concurrently from any threads on one Engine. Weights live once per
//    engine (device and precision); each concurrent run takes an execution
//    context (activation arena, stream, CUDA graph) from a pool and returns it.
//  - set_observer must not race with runs; the observer is called from the
//    running thread.
//  - A Context is used by one thread at a time and must not outlive its Engine.
//  - Moving an Engine while other threads use it is a data race.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "segrt/error.h"
#include "segrt/options.h"
#include "segrt/tensor.h"

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt {

struct Options {
  std::string backend = "auto";    // auto | ref | cpu | cuda
  std::string precision = "fp32";  // fp32 | tf32 | fp16 | bf16
  // Calibration table written by `segrt calibrate` (docs/int8.md): its
  // QuantizeLinear / DequantizeLinear pairs are inserted before each
  // convolution, which then runs in int8 (or is simulated in fp8) on every
  // backend. "" = none.
  std::string calibration;
  // Layers (node or source layer names) the calibration leaves in float:
  // "NAME=fp32" or "NAME=fp16" (the float path of the backend's precision).
  std::vector<std::string> layer_precision;
  int device = 0;                  // CUDA device ordinal
  int threads = 0;                 // CPU threads per run, 0 = all cores
  std::string weights;             // separate weights file (Keras JSON + weights)
  bool verbose = false;            // also pass Debug messages (passes, backend choices) to `log`
  LogCallback log;                 // where messages go; none: nowhere (segrt never writes to stderr)
  // Directory of the persistent tuning cache ("" = none). Entries are keyed
  // by GPU (name, compute capability), cuDNN and segrt versions, model
  // content, input shapes and precision; a later process that finds one skips
  // the algorithm search. Corrupt entries are ignored (a Notice) and rewritten.
  std::string cache_dir;
  // Most execution contexts Engine::run keeps per input shape (0 = as many
  // as there are concurrent callers). Beyond it, callers wait for one.
  int max_contexts = 0;
  BackendKnobs knobs;              // experiment knobs (options.h)
  // Hostile-input guards (docs/hardening.md). Keras files are parsed by libhdf5,
  // which crashes or loops on some malformed files: by default that parse runs
  // in a child process with CPU and memory limits, and a crash or timeout there
  // is an invalid-model error. false parses in this process: for trusted files.
  bool isolate_import = true;
  size_t max_tensor_bytes = size_t{2} << 30;  // largest tensor a model file may declare
};

struct TensorInfo {
  std::string name;
  DType dtype;
  Shape shape;                     // -1 for dimensions fixed only at run time
  Layout layout;
  bool shape_known = true;         // false: not even the rank is known before a run
};

// Called after each observable tensor is computed: the tensor's name, the
// op that produced it (in the source framework's terms), its value (float32).
using TensorObserver = std::function<void(const std::string& name, const std::string& op, const Tensor& value)>;

// Where a TensorView's bytes are: host memory, or the engine's device (a CUDA
// device pointer on the cuda backend).
enum class Memory { Host, Device };

// User memory seen as a tensor; segrt neither owns nor copies it. Dense,
// row-major, in the model's layout.
struct TensorView {
  void* data = nullptr;
  DType dtype = DType::f32;
  Shape shape;
  Memory memory = Memory::Host;
  static TensorView of(Tensor& t) { return {t.raw(), t.dtype(), t.shape(), Memory::Host}; }
};

// Device memory owned by the caller, allocated through the engine (so a
// program needs no CUDA headers to feed device I/O). Movable, freed on destruction.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer&&) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&&) noexcept;
  ~DeviceBuffer();
  void* data() const { return data_; }
  size_t size() const { return size_; }
  TensorView view(DType dtype, Shape shape) const { return {data_, dtype, std::move(shape), Memory::Device}; }
  void copy_from_host(const void* src, size_t bytes);
  void copy_to_host(void* dst, size_t bytes) const;

 private:
  friend class Engine;
  struct Owner;
  std::shared_ptr<Owner> owner_;
  void* data_ = nullptr;
  size_t size_ = 0;
};

// Host memory for a context's host bindings, allocated through the engine: on
// the cuda backend page-locked (pinned), so the copies to and from the GPU run
// at the bus's full speed with no staging by the driver (as trtexec's I/O
// buffers); plain 64-byte aligned memory on host backends. Bind it with
// view(); Memory::Host. Movable, freed on destruction (it may outlive its Engine).
class HostBuffer {
 public:
  HostBuffer() = default;
  HostBuffer(HostBuffer&&) noexcept;
  HostBuffer& operator=(HostBuffer&&) noexcept;
  ~HostBuffer();
  void* data() const { return data_; }
  size_t size() const { return size_; }
  TensorView view(DType dtype, Shape shape) const { return {data_, dtype, std::move(shape), Memory::Host}; }

 private:
  friend class Engine;
  struct Owner;
  std::shared_ptr<Owner> owner_;
  void* data_ = nullptr;
  size_t size_ = 0;
};

// One layer of the canonical graph at concrete input shapes (segrt inspect).
struct LayerInfo {
  std::string name, op;            // op: the source framework's, ">" segrt's when they differ
  Shape output_shape;
  int64_t params = 0, macs = 0;
};

struct ModelInfo {
  std::string file, format, producer;
  std::vector<TensorInfo> inputs, outputs;   // as declared (-1: dynamic)
  std::vector<Shape> shapes;                 // the concrete input shapes of `layers`
  std::vector<LayerInfo> layers;
  int64_t params = 0, macs = 0;              // totals over layers
  // Legal but suspicious content, e.g. weights holding NaN or Inf (almost
  // always a training accident): one line each, naming the tensor.
  std::vector<std::string> warnings;
};

// The compiled plan for one set of input shapes.
struct PlanInfo {
  std::vector<Shape> input_shapes;
  std::vector<TensorInfo> outputs;     // concrete shapes
  int64_t macs = 0;                    // after the passes
  size_t planned_bytes = 0;            // activation arena of one context
  size_t unplanned_bytes = 0;          // the sum of all activations (what planning saved)
  size_t shared_device_bytes = 0;      // weights and constants, once per engine and precision
  size_t context_device_bytes = 0;     // device memory of one context (arena, workspace)
  int contexts = 0;                    // execution contexts created so far
  std::vector<std::string> passes;     // what the passes rewrote, by layer
  // The backend's part (segrt inspect --verbose): its own rewrites of the graph
  // (sub-pixel convolutions, in-place concats...), the nodes it does not run on
  // its own kernels ("NODE (OP): why": the CPU's reference kernel, CUDA host
  // steps; empty when every node is native), and the graph it runs, after the
  // passes and its rewrites (op: segrt's op, "+Act" for a fused activation,
  // "+residual" for a fused Add, "(in place)" for a Concat written by its producers).
  std::vector<std::string> rewrites;
  std::vector<std::string> fallbacks;
  std::vector<LayerInfo> layers;
};

struct RunTiming {
  double compute_ms = -1, h2d_ms = -1, d2h_ms = -1;  // < 0: not measured (host backends)
};

class Engine;

// An execution context for fixed input shapes (as TensorRT's): bind inputs
// and outputs as views of your memory, then enqueue and wait. Nothing is
// copied on this path beyond what the bindings ask for: device views on the
// cuda backend are read and written in place. One thread at a time.
//
//   segrt::Context ctx = engine.create_context({{1, 1, 512, 512}});
//   ctx.bind_input(0, in.view(segrt::DType::f32, {1, 1, 512, 512}));
//   ctx.bind_output(0, out.view(segrt::DType::f32, ctx.outputs()[0].shape));
//   ctx.enqueue(my_cuda_stream);   // ordered after the stream's work; the stream waits for it
//   ctx.wait();
class Context {
 public:
  Context(Context&&) noexcept;
  Context& operator=(Context&&) noexcept;
  ~Context();
  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;   // concrete shapes; float outputs are float32
  // Checked against the compiled dtype and shape; throws InvalidInput.
  void bind_input(size_t index, const TensorView& view);
  void bind_output(size_t index, const TensorView& view);
  // Starts a run. `cuda_stream` (a cudaStream_t, or nullptr) orders it after
  // the work queued on that stream, and that stream's later work after it.
  // Host backends run to completion inside enqueue.
  void enqueue(void* cuda_stream = nullptr);
  void wait();
  bool poll();  // true once the last enqueued run has finished
  RunTiming last_timing() const;

 private:
  friend class Engine;
  struct Impl;
  explicit Context(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Engine {
 public:
  static Engine load(const std::string& model_path, const Options& options = {});
  // A model held in memory: the bytes of an .onnx, .h5 or .keras file.
  // `format` is "onnx", "h5" or "keras"; `name` names it in errors.
  static Engine load_from_memory(const void* data, size_t size, const std::string& format,
                                 const Options& options = {}, const std::string& name = "<memory>");
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  ~Engine();

  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;
  // Inputs in the model's order and layout; checked against the model (dtype,
  // rank, fixed dims). The first call for a new input shape specialises the
  // model to it (shape folding, passes, backend compilation); later calls reuse that.
  // Thread-safe. On the cuda backend the output tensors are page-locked host
  // memory the GPU copies into directly, recycled when dropped (up to 1 GiB of
  // them per engine, then ordinary memory); they may outlive the engine.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  // Compiles for each set of input shapes now (so the first run is fast).
  void precompile(const std::vector<std::vector<Shape>>& input_shapes);
  Context create_context(const std::vector<Shape>& input_shapes);
  // Inputs, outputs and (with `layers`) the per-layer table at the given
  // input shapes (empty: dynamic dims become 1 for the batch and 256 for the rest).
  ModelInfo model_info(const std::vector<Shape>& input_shapes = {}, bool layers = true) const;
  PlanInfo plan_info(const std::vector<Shape>& input_shapes);
  // Device memory for device I/O (Memory::Device views); throws Device on host backends.
  DeviceBuffer allocate_device(size_t bytes);
  // Host memory that copies to the device fastest (pinned on the cuda backend).
  HostBuffer allocate_host(size_t bytes);
  // Observe every tensor of the next runs; pass nullptr to stop.
  void set_observer(TensorObserver observer);
  std::string backend() const;     // the backend actually used ("cpu" after a fallback)
  std::string device_name() const;
  const Options& options() const;

  struct Impl;                     // opaque: the library's own
 private:
  friend class Context;
  friend struct EngineAccess;      // the library's own code and tests (src/runtime/engine_impl.h)
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace segrt

#pragma GCC visibility pop
