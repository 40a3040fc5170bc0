// CudaExecutable's life: construction, compile (init: the step list, the
// memory plan, the algorithm choice of every step's prepare()), and the
// per-context state (stream, library handles, arena). The parts live beside
// it: layout.cpp (formats and views), cuda_build.cpp (steps), cuda_memory.cpp
// (weights, arena plan, context buffers), cuda_run.cpp (enqueue, CUDA graphs,
// timing, profile).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>
#include "backend/cuda/cuda_exec.h"

namespace segrt::cuda {

CudaExecutable::CudaExecutable(const Graph& g, const CompileOptions& opts, std::shared_ptr<WeightCache> weights)
    : g_(g), opts_(opts), weights_(std::move(weights)) {}

CudaExecutable::~CudaExecutable() {
  close_state(build_state_);  // the contexts (which must be gone by now) closed their own
  if (scratch_) cudaFree(scratch_);
  for (void* p : owned_) cudaFree(p);
  for (cudnnHandle_t h : preload_handles_) cudnnDestroy(h);
}

// A warm start's cuDNN plans come from the tuning cache; deserializing one
// loads its runtime-compiled kernels (tens of ms for some), so they load on
// a few threads at once, each with its own handle (a cuDNN handle is not
// shared between threads). A preload that fails leaves its step's prepare()
// to do the work as in a cold start.
void CudaExecutable::preload_steps() {
  if (!opts_.tuning_store) return;
  std::vector<Step*> todo;
  for (Step& s : steps_)
    if (s.preload) todo.push_back(&s);
  if (todo.size() < 2) return;
  size_t workers = std::min<size_t>({todo.size(), 8, std::max(1u, std::thread::hardware_concurrency())});
  preload_handles_.assign(workers, nullptr);
  std::atomic<size_t> next{0};
  auto work = [&](size_t w) {
    if (cudaSetDevice(device_) != cudaSuccess || cudnnCreate(&preload_handles_[w]) != CUDNN_STATUS_SUCCESS) {
      preload_handles_[w] = nullptr;
      return;
    }
    for (size_t i; (i = next.fetch_add(1)) < todo.size();) {
      try {
        todo[i]->preload(preload_handles_[w]);
      } catch (...) {  // prepare() will do it, and report what fails there
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  preload_handles_.erase(std::remove(preload_handles_.begin(), preload_handles_.end(), nullptr), preload_handles_.end());
}

void CudaExecutable::open_state(RunState& s) {
  SEGRT_CUDA_CHECK(cudaSetDevice(device_));
  SEGRT_CUDA_CHECK(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
  SEGRT_CUDNN_CHECK(cudnnCreate(&s.cudnn));
  SEGRT_CUDNN_CHECK(cudnnSetStream(s.cudnn, s.stream));
  SEGRT_CUBLAS_CHECK(cublasCreate(&s.cublas));
  SEGRT_CUBLAS_CHECK(cublasSetStream(s.cublas, s.stream));
  for (auto& e : s.ev) SEGRT_CUDA_CHECK(cudaEventCreate(&e));
  SEGRT_CUDA_CHECK(cudaEventCreateWithFlags(&s.user_ready, cudaEventDisableTiming));
  if (arena_bytes_ > 0) SEGRT_CUDA_CHECK(cudaMalloc(&s.arena, arena_bytes_));
  if (workspace_bytes_ > 0) SEGRT_CUDA_CHECK(cudaMalloc(&s.workspace, workspace_bytes_));
  s.io.assign(in_staging_.size() + out_staging_.size(), nullptr);
}

void CudaExecutable::close_state(RunState& s) {
  if (s.stream) cudaStreamSynchronize(s.stream);
  if (s.graph_exec) cudaGraphExecDestroy(s.graph_exec);
  if (s.graph) cudaGraphDestroy(s.graph);
  if (s.arena) cudaFree(s.arena);
  if (s.workspace) cudaFree(s.workspace);
  for (auto& e : s.ev)
    if (e) cudaEventDestroy(e);
  if (s.user_ready) cudaEventDestroy(s.user_ready);
  for (auto& [k, p] : s.buffers) cudaFree(p);
  if (s.cudnn) cudnnDestroy(s.cudnn);
  if (s.cublas) cublasDestroy(s.cublas);
  if (s.stream) cudaStreamDestroy(s.stream);
  s = RunState();
}

void CudaExecutable::init() {
  act_ = opts_.precision == "fp16" ? DType::f16 : opts_.precision == "bf16" ? DType::bf16 : DType::f32;
  SEGRT_CHECK(opts_.precision == "fp32" || opts_.precision == "tf32" || opts_.precision == "fp16" ||
                  opts_.precision == "bf16",
              InvalidInput, "unknown precision '", opts_.precision, "' (fp32, tf32, fp16 or bf16)");
  channels_fmt_ = opts_.precision == "fp32" ? Fmt::Logical : Fmt::Nhwc;
  {
    const std::string& lay = opts_.knobs.cuda_layout;
    SEGRT_CHECK(lay == "nchw" || lay == "nhwc" || lay.empty(), InvalidInput, "CUDA layout '", lay,
                "' (nchw or nhwc)");
    if (!lay.empty()) channels_fmt_ = lay == "nchw" ? Fmt::Logical : Fmt::Nhwc;
  }
  device_ = opts_.device;
  SEGRT_CUDA_CHECK(cudaSetDevice(device_));
  using clock = std::chrono::steady_clock;
  auto ms = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  auto t0 = clock::now();
  build();
  plan_arena();
  auto t1 = clock::now();
  // The algorithm searches run on real buffers: the first context's state.
  open_state(build_state_);
  auto t2 = clock::now();
  preload_steps();
  auto t3 = clock::now();
  std::map<std::string, double> prepare_ms;  // by op: where start-up goes (-v)
  RunState* saved = tls_run_state;
  tls_run_state = &build_state_;
  try {
    for (Step& s : steps_)
      if (s.prepare) {
        auto ts = clock::now();
        try {
          s.prepare();
        } catch (Error& e) {
          if (s.node >= 0) throw g_.annotate(e, g_.nodes[s.node]);
          throw;
        }
        prepare_ms[s.node >= 0 ? op_name(g_.nodes[s.node].op) : "(boundary)"] += ms(ts, clock::now());
      }
  } catch (...) {
    tls_run_state = saved;
    throw;
  }
  tls_run_state = saved;
  if (scratch_) cudaFree(scratch_);
  scratch_ = nullptr;
  scratch_bytes_ = 0;
  if (workspace_need_ > 0) {
    SEGRT_CUDA_CHECK(cudaMalloc(&build_state_.workspace, workspace_need_));
    workspace_bytes_ = workspace_need_;
  }
  opts_.tuning_store = nullptr;  // lives for the compilation only
  {
    char line[200];
    std::snprintf(line, sizeof line,
                  "startup: cuda build + weights %.1f ms, streams and handles %.1f ms, preload %.1f ms (%zu threads), "
                  "prepare %.1f ms:",
                  ms(t0, t1), ms(t1, t2), ms(t2, t3), preload_handles_.size(), ms(t3, clock::now()));
    std::string m = line;
    for (const auto& [op, t] : prepare_ms) {
      std::snprintf(line, sizeof line, " %s %.1f", op.c_str(), t);
      m += line;
    }
    opts_.say(LogLevel::Debug, m);
  }
  opts_.say(LogLevel::Debug, "cuda: " + std::to_string(steps_.size()) + " steps, " + std::to_string(host_nodes_) +
                                 " host nodes, arena " + std::to_string(arena_bytes_ >> 20) + " MiB (unplanned " +
                                 std::to_string(unplanned_bytes_ >> 20) + " MiB), weights " +
                                 std::to_string(owned_bytes_ >> 20) + " MiB, workspace " +
                                 std::to_string(workspace_bytes_ >> 20) + " MiB");
}

}  // namespace segrt::cuda
