// The CUDA executable and the context its op builders see.
//
// Compilation walks the graph once. For each node a builder registered with
//   SEGRT_CUDA_OP(Conv, build_conv);
// decides its outputs' device format, asks for its inputs in the format it
// needs (conversions are inserted and shared) and appends run steps; a
// builder that returns false (or an op without one) runs on the host through
// the reference kernel. Activation values are then placed in one arena by
// liveness, steps get a prepare() call (cuDNN algorithm search on the real
// buffers), and a run replays the steps, captured in a CUDA graph.
//
// Weights, steps and algorithm choices belong to the executable and are
// shared; everything a run writes (arena, workspace, stream, cuDNN/cuBLAS
// handles, the captured graph) is a RunState, one per execution context. The
// steps reach the running context's state through ex.ptr() / ex.stream() /
// ex.cudnn() / ex.workspace(), which read the calling thread's current state
// (set for the duration of a run): so no builder needed to change, and each
// context's CUDA graph captures its own addresses.
#pragma once
#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "ir/activation.h"
#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

// Physical order of a device value: Nhwc stores a logical [N,C,H,W] tensor as
// [N,H,W,C] (tensor cores want channels innermost); Logical is row-major in
// the logical order (which for Keras graphs is already NHWC).
enum class Fmt : uint8_t { Logical, Nhwc };

struct DevValue {
  DType dtype = DType::f32;  // storage type on the device
  Shape shape;               // logical shape
  Fmt fmt = Fmt::Logical;
  size_t bytes = 0;
  int first = -1, last = -1; // steps that write it first and read it last
  size_t offset = 0;         // in the arena
  void* fixed = nullptr;     // constants and staging buffers own their memory
  int io = -1;               // boundary staging value: index of its binding (inputs, then outputs)
  bool defined = false;
  // Physical dims (Nhwc permutes the logical ones).
  Shape phys() const;
};

struct Step {
  int node = -1;  // graph node index; -1 for boundary copies
  std::function<void(cudaStream_t)> run;
  std::function<void()> prepare;
  // Optional: what prepare() can do ahead from the tuning cache alone (a
  // serialized cuDNN plan), run on worker threads beside other steps' preload,
  // each with its own cuDNN handle; no stream work, no logging. prepare()
  // then takes the result, or does everything itself as before.
  std::function<void(cudnnHandle_t)> preload;
  std::function<std::string()> info;  // what prepare() chose (SEGRT_CUDA_PROFILE=2)
  bool host = false;  // synchronises with the host: no graph capture
};

class CudaExecutable;

// What a builder sees for one node.
class BuildCtx {
 public:
  BuildCtx(CudaExecutable& ex, const Graph& g, const Node& n, int node_index)
      : g(g), n(n), node_index(node_index), ex_(ex) {}
  CudaExecutable& ex() { return ex_; }
  const CudaExecutable& ex() const { return ex_; }
  const Graph& g;
  const Node& n;
  int node_index;

  DType compute_dtype() const;  // the type float values are stored in at this precision
  DevType compute_dev() const;
  const std::string& precision() const;
  bool has_input(int i) const { return i < static_cast<int>(n.inputs.size()) && n.inputs[i] >= 0; }
  const Value& in_value(int i) const { return g.value(n.inputs.at(i)); }
  const Tensor* in_constant(int i) const;  // nullptr when computed at run time
  // Device value id of input i in format f (a conversion step is added once
  // per value and format); constants are uploaded in the activation type.
  int input(int i, Fmt f);
  // The format input i has now (constants: Logical).
  Fmt input_fmt(int i) const;
  // Declares output k with a device format; returns its value id.
  int output(int k, Fmt f);
  // A scratch buffer living for this node's steps only.
  int temp(DType t, Shape logical);
  void step(std::function<void(cudaStream_t)> run, std::function<void()> prepare = nullptr,
            std::function<std::string()> info = nullptr, std::function<void(cudnnHandle_t)> preload = nullptr);

 private:
  CudaExecutable& ex_;
};

using Builder = bool (*)(BuildCtx& c);
bool register_builder(OpType op, Builder b);
Builder builder(OpType op);

DevType dev_type(DType t);  // Internal error for types the kernels don't store
// How a value of graph type t is stored: floats in the compute type `act`,
// except float8 e4m3fn, kept as its bytes (what the fp8 convolutions read and
// write; only the ops of fp8_on_device() touch it on the device); the rest as is.
DType storage_dtype(DType t, DType act);
// Whether op runs on values stored as float8 bytes (QuantizeLinear, DequantizeLinear,
// QLinearConv, Cast, reshapes, Concat); other nodes touching one run on the host.
bool fp8_on_device(OpType op);
Act act_of(const Activation& a);
// Logical strides of `s` broadcast to `out` (rank aligned right), permuted
// into the physical order of `fmt` for a 4-D output.
Strides broadcast_view(const Shape& in, const Shape& out, Fmt fmt);
// Dense view of a logical shape in format fmt.
Strides dense_view(const Shape& logical, Fmt fmt);
// Physical axis of logical axis `axis` for a tensor of `rank` in format fmt.
int phys_axis(int axis, int rank, Fmt fmt);
// Logical axis stored at physical position p (the inverse of phys_axis).
int logical_of_phys(int p, int rank, Fmt fmt);
// Element strides of each logical axis of a value stored in format fmt.
std::vector<int64_t> logical_strides(const Shape& logical, Fmt fmt);
// A 4-D host tensor permuted NCHW -> NHWC (to_nhwc) or back.
Tensor permute_host(const Tensor& t, bool to_nhwc);

struct RunTimes {
  float h2d_ms = 0, compute_ms = 0, d2h_ms = 0;
};

// What one execution context owns and a run writes.
struct RunState {
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasHandle_t cublas = nullptr;
  void* arena = nullptr;
  void* workspace = nullptr;
  // Device addresses bound to the boundary staging values (null: the value's
  // arena slot; host bindings are copied through that slot).
  std::vector<void*> io;
  std::vector<void*> captured_io;   // the addresses graph_exec was captured with
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t graph_exec = nullptr;
  int runs = 0;
  cudaEvent_t ev[4] = {};
  cudaEvent_t user_ready = nullptr;  // ordering with a user's stream
  RunTimes times;
  std::map<const void*, void*> buffers;  // CudaExecutable::context_buffer
};

// Device copies of weights and constants by content, one per device: every
// plan (input shape) and context of an engine shares them. Thread-safe.
class WeightCache {
 public:
  std::shared_ptr<void> get(const void* host, size_t bytes, int device);

 private:
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<void>> map_;
};

// The state the calling thread runs (or prepares) with.
inline thread_local RunState* tls_run_state = nullptr;

class CudaExecutable : public Executable {
 public:
  CudaExecutable(const Graph& g, const CompileOptions& opts, std::shared_ptr<WeightCache> weights);
  ~CudaExecutable() override;
  // Builds, plans and allocates; separate from the constructor so that a
  // failure still releases what was created (the destructor runs).
  void init();
  const Graph& graph() const override { return g_; }
  std::unique_ptr<ExecContext> create_context() override;
  bool device_io() const override { return true; }
  DType output_dtype(DType t) const override { return dtype_is_float(t) ? DType::f32 : t; }
  size_t planned_bytes() const override { return arena_bytes_; }
  size_t unplanned_bytes() const override { return unplanned_bytes_; }
  size_t shared_device_bytes() const override { return owned_bytes_; }
  size_t context_device_bytes() const override { return context_bytes(); }

  // Allocates and releases a context's state (stream, handles, arena, workspace).
  void open_state(RunState& s);
  void close_state(RunState& s);
  // One run of context state s; bindings as ExecContext::enqueue.
  void enqueue(RunState& s, const std::vector<Binding>& in, const std::vector<Binding>& out, cudaStream_t user,
               const Observer* observer);
  // Waits for s's last run and records its times.
  void finish(RunState& s);
  // Device memory private to the running context, filled once from `fill`'s
  // bytes: for data that holds arena addresses (batched-GEMM pointer arrays).
  // Made on the context's first (eager) run, so never inside a graph capture.
  void* context_buffer(const void* key, const std::function<std::vector<char>()>& fill);

  // For builders and steps: addresses in the running context.
  void* ptr(int id) const {
    const DevValue& v = vals_[id];
    if (v.fixed) return v.fixed;
    RunState* s = tls_run_state;
    if (v.io >= 0 && s->io[v.io]) return s->io[v.io];
    return static_cast<char*>(s->arena) + v.offset;
  }
  DevValue& val(int id) { return vals_.at(id); }
  int new_value(DType t, Shape logical, Fmt f);
  void touch(int id) { touched_.push_back(id); }  // read or written by the node being built
  // Concat in place for pixel shuffles: the Concat node a value feeds as a
  // channel slice (-1 if none), and the values whose producer wrote them
  // straight into their Concat's buffer (the Concat skips them).
  int concat_target(int value) const {
    auto it = concat_target_.find(value);
    return it == concat_target_.end() ? -1 : it->second;
  }
  void mark_written_in_place(int value) { in_place_.insert(value); }
  bool written_in_place(int value) const { return in_place_.count(value) != 0; }
  // Defines a graph value ahead of its producer (a Concat output written by an input's producer).
  void define_early(int value, Fmt f);
  cudnnHandle_t cudnn() const { return tls_run_state->cudnn; }
  cublasHandle_t cublas() const { return tls_run_state->cublas; }
  cudaStream_t stream() const { return tls_run_state->stream; }
  // Each context's workspace for cuDNN / cuBLAS; prepare() calls grow it.
  void need_workspace(size_t bytes) { workspace_need_ = std::max(workspace_need_, bytes); }
  void* workspace() const { return tls_run_state->workspace; }
  // Scratch for the algorithm searches of prepare(): grown on demand, shared
  // by every step, freed once all steps are prepared.
  void* search_scratch(size_t bytes);
  size_t search_scratch_bytes() const { return scratch_bytes_; }
  size_t workspace_bytes() const { return workspace_bytes_; }
  // Uploads a host buffer to owned device memory (kept for the executable's life).
  void* upload(const void* host, size_t bytes);
  void* alloc_owned(size_t bytes);
  const CompileOptions& opts() const { return opts_; }
  DType act() const { return act_; }
  // The format 4-D activations of NCHW models take around convolutions and
  // pools: Nhwc for tf32/fp16/bf16 (tensor cores), Logical (NCHW) for strict
  // fp32, where cuDNN's FMA algorithms are faster on NCHW (bench/NOTES-cuda.md
  // v7). SEGRT_CUDA_LAYOUT=nchw|nhwc overrides it.
  Fmt channels_fmt() const { return channels_fmt_; }
  // The last run of any context (for tests and benchmarks).
  RunTimes last_times() const;
  // Weights plus one context's arena and workspace.
  size_t device_bytes() const { return owned_bytes_ + arena_bytes_ + workspace_bytes_; }
  size_t context_bytes() const { return arena_bytes_ + workspace_bytes_; }
  bool graph_captured() const { return graph_captured_; }
  int host_nodes() const { return host_nodes_; }

 private:
  friend class BuildCtx;
  void build();
  void build_node(int index);
  void host_fallback(BuildCtx& c);
  int convert(int id, Fmt f);  // returns the id of id in format f
  void plan_arena();
  void run_steps(RunState& s, size_t from, size_t to, const Observer* observer);
  void launch(RunState& s, bool observing, const Observer* observer);
  void profile(RunState& s);
  Tensor download(int id);              // float32 (or int) logical host copy
  void upload_into(int id, const Tensor& t);

  Graph g_;
  CompileOptions opts_;
  DType act_ = DType::f32;
  Fmt channels_fmt_ = Fmt::Nhwc;
  int device_ = 0;
  RunState build_state_;                 // prepare()'s buffers; becomes the first context's state
  bool build_state_taken_ = false;

  std::vector<DevValue> vals_;           // graph values first, then extra ones
  std::vector<int> cur_;                 // graph value id -> its device value id
  std::map<std::pair<int, int>, int> converted_;  // (device id, fmt) -> converted id
  std::map<int, int> const_dev_;         // graph constant -> device value id
  std::map<int, int> concat_target_;     // pixel-shuffle output -> Concat node index
  std::set<int> in_place_;
  std::vector<Step> steps_;
  std::vector<int> node_last_step_;      // node index -> last step index (for the observer)
  int building_ = -1;                    // node being built
  std::vector<int> touched_, temps_;
  int host_nodes_ = 0;

  std::vector<int> in_staging_, out_staging_;  // f32/int staging device values
  size_t first_output_step_ = 0;

  size_t arena_bytes_ = 0, unplanned_bytes_ = 0;
  void preload_steps();  // the steps' preload() on worker threads (init)
  std::vector<cudnnHandle_t> preload_handles_;  // kept while plans loaded with them live
  std::vector<void*> owned_;
  size_t owned_bytes_ = 0;
  std::shared_ptr<WeightCache> weights_;
  std::vector<std::shared_ptr<void>> weight_refs_;
  size_t workspace_bytes_ = 0, workspace_need_ = 0;
  void* scratch_ = nullptr;
  size_t scratch_bytes_ = 0;

  mutable std::mutex mu_;                // guards build_state_taken_, last_times_
  RunTimes last_times_;
  std::atomic<bool> graph_captured_{false};
};

}  // namespace segrt::cuda

#define SEGRT_CUDA_CAT2(a, b) a##b
#define SEGRT_CUDA_CAT(a, b) SEGRT_CUDA_CAT2(a, b)
#define SEGRT_CUDA_OP(Op, fn)                                              \
  static const bool SEGRT_CUDA_CAT(segrt_cuda_reg_##Op##_, __LINE__) =    \
      ::segrt::cuda::register_builder(::segrt::OpType::Op, fn)
