// Running an executable on a context: host or device bindings, the steps
// eager or replayed from the context's CUDA graph, event timing, and the
// per-op profile (knobs.cuda_profile).
#include <cstdio>
#include <map>
#include "backend/cuda/cuda_exec.h"

namespace segrt::cuda {

void CudaExecutable::run_steps(RunState& st, size_t from, size_t to, const Observer* observer) {
  for (size_t i = from; i < to; ++i) {
    const Step& s = steps_[i];
    try {
      s.run(st.stream);
      SEGRT_CUDA_LAUNCHED();
      if (observer && *observer && s.node >= 0 && node_last_step_[s.node] == static_cast<int>(i)) {
        SEGRT_CUDA_CHECK(cudaStreamSynchronize(st.stream));
        const Node& n = g_.nodes[s.node];
        for (int o : n.outputs) {
          if (!vals_[o].defined || vals_[o].bytes == 0) continue;
          (*observer)(g_, n, o, download(o));
        }
      }
    } catch (Error& e) {
      if (s.node >= 0) throw g_.annotate(e, g_.nodes[s.node]);
      throw;
    }
  }
}

// The steps of one run on s.stream: replayed from the context's CUDA graph
// when it has one for the current bindings, else captured on the second run
// (the first warmed up every kernel and library), else eager.
void CudaExecutable::launch(RunState& s, bool observing, const Observer* observer) {
  if (s.graph_exec && s.captured_io != s.io) {  // bound addresses moved: capture again
    cudaGraphExecDestroy(s.graph_exec);
    cudaGraphDestroy(s.graph);
    s.graph_exec = nullptr;
    s.graph = nullptr;
  }
  bool can_capture = host_nodes_ == 0 && !observing && opts_.knobs.cuda_graphs;
  if (s.graph_exec && !observing) {
    SEGRT_CUDA_CHECK(cudaGraphLaunch(s.graph_exec, s.stream));
  } else if (can_capture && s.runs >= 1) {
    SEGRT_CUDA_CHECK(cudaStreamBeginCapture(s.stream, cudaStreamCaptureModeThreadLocal));
    try {
      for (const Step& st : steps_) st.run(s.stream);
    } catch (...) {
      cudaGraph_t g = nullptr;
      cudaStreamEndCapture(s.stream, &g);
      if (g) cudaGraphDestroy(g);
      throw;
    }
    SEGRT_CUDA_CHECK(cudaStreamEndCapture(s.stream, &s.graph));
    SEGRT_CUDA_CHECK(cudaGraphInstantiate(&s.graph_exec, s.graph, 0));
    s.captured_io = s.io;
    graph_captured_ = true;
    SEGRT_CUDA_CHECK(cudaGraphLaunch(s.graph_exec, s.stream));
  } else {
    run_steps(s, 0, steps_.size(), observing ? observer : nullptr);
  }
}

void CudaExecutable::enqueue(RunState& s, const std::vector<Binding>& in, const std::vector<Binding>& out,
                             cudaStream_t user, const Observer* observer) {
  SEGRT_CUDA_CHECK(cudaSetDevice(device_));
  SEGRT_CHECK(in.size() == in_staging_.size() && out.size() == out_staging_.size(), Internal,
              "binding count mismatch");
  RunState* saved = tls_run_state;
  tls_run_state = &s;
  struct Restore {
    RunState* saved;
    ~Restore() { tls_run_state = saved; }
  } restore{saved};
  // Device bindings replace the staging values' arena slots: the boundary
  // conversion kernels read and write the user's memory, nothing is copied.
  for (size_t i = 0; i < in.size(); ++i) s.io[i] = in[i].device ? in[i].data : nullptr;
  for (size_t k = 0; k < out.size(); ++k) s.io[in.size() + k] = out[k].device ? out[k].data : nullptr;
  if (user) {
    SEGRT_CUDA_CHECK(cudaEventRecord(s.user_ready, user));
    SEGRT_CUDA_CHECK(cudaStreamWaitEvent(s.stream, s.user_ready, 0));
  }
  // Host bindings: copies straight from and to the user's memory: the driver
  // pipelines its own pinned staging with the DMA; our own pinned buffers
  // cost an extra host memcpy each way (v2 -> v3 in bench/NOTES-cuda.md).
  SEGRT_CUDA_CHECK(cudaEventRecord(s.ev[0], s.stream));
  for (size_t i = 0; i < in.size(); ++i)
    if (!in[i].device)
      SEGRT_CUDA_CHECK(cudaMemcpyAsync(ptr(in_staging_[i]), in[i].data, vals_[in_staging_[i]].bytes,
                                       cudaMemcpyHostToDevice, s.stream));
  SEGRT_CUDA_CHECK(cudaEventRecord(s.ev[1], s.stream));
  bool observing = observer && *observer;
  launch(s, observing, observer);
  if (s.runs == 4 && !observing && opts_.knobs.cuda_profile) profile(s);
  SEGRT_CUDA_CHECK(cudaEventRecord(s.ev[2], s.stream));
  for (size_t k = 0; k < out.size(); ++k)
    if (!out[k].device)
      SEGRT_CUDA_CHECK(cudaMemcpyAsync(out[k].data, ptr(out_staging_[k]), vals_[out_staging_[k]].bytes,
                                       cudaMemcpyDeviceToHost, s.stream));
  SEGRT_CUDA_CHECK(cudaEventRecord(s.ev[3], s.stream));
  if (user) SEGRT_CUDA_CHECK(cudaStreamWaitEvent(user, s.ev[3], 0));
  ++s.runs;
}

void CudaExecutable::finish(RunState& s) {
  SEGRT_CUDA_CHECK(cudaEventSynchronize(s.ev[3]));
  SEGRT_CUDA_CHECK(cudaEventElapsedTime(&s.times.h2d_ms, s.ev[0], s.ev[1]));
  SEGRT_CUDA_CHECK(cudaEventElapsedTime(&s.times.compute_ms, s.ev[1], s.ev[2]));
  SEGRT_CUDA_CHECK(cudaEventElapsedTime(&s.times.d2h_ms, s.ev[2], s.ev[3]));
  std::lock_guard<std::mutex> lock(mu_);
  last_times_ = s.times;
}

RunTimes CudaExecutable::last_times() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_times_;
}

namespace {
class CudaContext : public ExecContext {
 public:
  explicit CudaContext(CudaExecutable& exe, RunState s) : exe_(exe), s_(std::move(s)) {}
  ~CudaContext() override { exe_.close_state(s_); }
  void enqueue(const std::vector<Binding>& in, const std::vector<Binding>& out, void* stream,
               const Observer* observer) override {
    exe_.enqueue(s_, in, out, static_cast<cudaStream_t>(stream), observer);
    pending_ = true;
  }
  void wait() override {
    if (!pending_) return;
    pending_ = false;
    exe_.finish(s_);
  }
  bool poll() override {
    if (!pending_) return true;
    cudaError_t e = cudaEventQuery(s_.ev[3]);
    if (e == cudaErrorNotReady) return false;
    SEGRT_CUDA_CHECK(e);
    wait();
    return true;
  }
  Timing last_timing() const override { return {s_.times.compute_ms, s_.times.h2d_ms, s_.times.d2h_ms}; }
  size_t device_bytes() const override { return exe_.context_bytes(); }

 private:
  CudaExecutable& exe_;
  RunState s_;
  bool pending_ = false;
};
}  // namespace

std::unique_ptr<ExecContext> CudaExecutable::create_context() {
  RunState s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!build_state_taken_) {  // the first context inherits the buffers prepare() used
      build_state_taken_ = true;
      s = std::move(build_state_);
      build_state_ = RunState();
    }
  }
  if (!s.stream) open_state(s);
  return std::make_unique<CudaContext>(*this, std::move(s));
}

// knobs.cuda_profile (the CLI's SEGRT_CUDA_PROFILE=1): one extra eager run
// with an event after every step, summed per op type and logged at Info
// (where the time goes, without a profiler).
void CudaExecutable::profile(RunState& s) {
  cudaStream_t stream_ = s.stream;
  std::vector<cudaEvent_t> ev(steps_.size() + 1);
  for (auto& e : ev) SEGRT_CUDA_CHECK(cudaEventCreate(&e));
  SEGRT_CUDA_CHECK(cudaEventRecord(ev[0], stream_));
  for (size_t i = 0; i < steps_.size(); ++i) {
    steps_[i].run(stream_);
    SEGRT_CUDA_CHECK(cudaEventRecord(ev[i + 1], stream_));
  }
  SEGRT_CUDA_CHECK(cudaEventSynchronize(ev.back()));
  std::map<std::string, std::pair<double, int>> by_op;
  double total = 0;
  // SEGRT_CUDA_PROFILE=2 also prints every step (with what prepare() chose).
  bool per_step = opts_.knobs.cuda_profile >= 2;
  char line[512];
  for (size_t i = 0; i < steps_.size(); ++i) {
    float ms = 0;
    cudaEventElapsedTime(&ms, ev[i], ev[i + 1]);
    std::string k = steps_[i].node < 0 ? "(boundary conversions)" : op_name(g_.nodes[steps_[i].node].op);
    by_op[k].first += ms;
    by_op[k].second += 1;
    total += ms;
    if (per_step) {
      std::snprintf(line, sizeof line, "[cuda-step] %3zu %-14s %-28s %8.3f ms  %s", i, k.c_str(),
                    steps_[i].node < 0 ? "" : g_.nodes[steps_[i].node].name.c_str(), ms,
                    steps_[i].info ? steps_[i].info().c_str() : "");
      opts_.say(LogLevel::Info, line);
    }
  }
  for (auto& e : ev) cudaEventDestroy(e);
  std::snprintf(line, sizeof line, "[cuda-profile] %zu steps, %.3f ms eager", steps_.size(), total);
  opts_.say(LogLevel::Info, line);
  for (auto& [k, v] : by_op) {
    std::snprintf(line, sizeof line, "[cuda-profile]   %-24s %8.3f ms %5.1f%%  (%d steps)", k.c_str(), v.first,
                  100 * v.first / total, v.second);
    opts_.say(LogLevel::Info, line);
  }
}

}  // namespace segrt::cuda
