// Convolution (+ bias + residual + ReLU) as one cuDNN graph-API operation
// graph on channel-last data (NCHW for strict fp32). The legacy API's algorithm enum does
// not reach Hopper's engines; the graph API does (the peer's path). Engines
// from heuristics mode A are built into plans, timed once on the real
// buffers, and the fastest kept.
//
//   GraphConv gc;
//   if (gc.build(handle, spec, ptrs, stream)) gc.execute(handle, ptrs, workspace);
#pragma once
#include <cudnn.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace segrt::cuda {

struct GraphConvSpec {
  cudnnDataType_t io = CUDNN_DATA_HALF;   // x, w, y, bias, residual
  bool nchw = false;                      // storage: NCHW / KCRS, else NHWC / KRSC
  int64_t n = 1, c = 1, h = 1, w = 1;     // input
  int64_t k = 1, r = 1, s = 1;            // filter [k][r][s][c/groups] (or [k][c/groups][r][s])
  int64_t oh = 1, ow = 1;
  int64_t groups = 1;
  int64_t pad_pre[2] = {0, 0}, pad_post[2] = {0, 0}, stride[2] = {1, 1}, dilation[2] = {1, 1};
  bool bias = true, residual = false, relu = false;
  // false: skip engines that use tensor cores or down-convert inputs (strict
  // fp32, no TF32); true for tf32 / fp16 / bf16.
  bool allow_tensor_cores = true;
  // false: also skip Winograd and FFT engines (SEGRT_CUDA_NO_WINOGRAD).
  bool allow_transforms = true;
  // 8-bit convolutions (QLinearConv): x and w in `in8` (INT8, UINT8 or
  // FP8_E4M3), accumulated in `comp8` (INT32 for integers, FLOAT for fp8);
  // the result times a per-output-channel float `scale`, plus a float bias,
  // (ReLU), written as `io` (INT8 / FP8_E4M3 to requantize, else HALF / FLOAT).
  // No residual.
  bool quantized = false;
  // Engine search: seconds after the first working plan (0: the default, half
  // a second; 1.5 s for strict fp32); `more_heuristics` also asks heuristics
  // modes B and fallback, as an exhaustive search would.
  double budget_s = 0;
  bool more_heuristics = false;
  cudnnDataType_t in8 = CUDNN_DATA_INT8;
  cudnnDataType_t comp8 = CUDNN_DATA_INT32;
  // > 0: the result is clamped to [-clip, clip] (with ReLU: [0, clip]) before
  // it is written: an fp8 output saturates at 448 as ONNX's conversion does.
  float clip = 0.f;
};

struct GraphConvPtrs {
  const void* x = nullptr;
  const void* w = nullptr;
  const void* bias = nullptr;
  const void* residual = nullptr;
  const void* scale = nullptr;  // quantized: float [K]
  void* y = nullptr;
};

class GraphConv {
 public:
  GraphConv() = default;
  ~GraphConv();
  GraphConv(const GraphConv&) = delete;
  GraphConv& operator=(const GraphConv&) = delete;
  // False when no engine takes this graph (the caller falls back). Times up
  // to `max_plans` engines with the given buffers and a scratch workspace.
  // `only_config` >= 0: build just that entry of the heuristics' list (a
  // choice the tuning cache remembered; the list is the same for the same
  // spec, GPU and cuDNN).
  bool build(cudnnHandle_t h, const GraphConvSpec& spec, const GraphConvPtrs& p, void* scratch, size_t scratch_bytes,
             int max_plans, std::string* why, int only_config = -1);
  int chosen_config() const { return chosen_; }  // index of the kept engine config
  // Called with (config index, ms) for each engine build() times (the probe's table).
  void on_timed(std::function<void(int, float)> f) { log_ = std::move(f); }
  // The kept plan as cuDNN's serialized form ("" when cuDNN cannot serialize
  // this engine: only runtime-compiled ones, the ones whose build costs most).
  std::string serialize() const;
  // A plan from serialize()'s text, on the same GPU and cuDNN (the tuning
  // cache's key): no heuristics, no compilation. False when cuDNN refuses it.
  bool load(cudnnHandle_t h, const GraphConvSpec& spec, const std::string& text, std::string* why);
  // One variant pack is built per distinct set of addresses (each execution
  // context has its own arena and workspace) and reused.
  void execute(cudnnHandle_t h, const GraphConvPtrs& p, void* workspace) const;
  size_t workspace_bytes() const { return ws_; }
  float best_ms() const { return best_ms_; }

 private:
  std::vector<cudnnBackendDescriptor_t> owned_;
  cudnnBackendDescriptor_t plan_ = nullptr;
  struct Pack {
    GraphConvPtrs p;
    void* workspace;
    cudnnBackendDescriptor_t pack;
  };
  mutable std::mutex packs_mu_;
  mutable std::vector<Pack> packs_;  // by address set; a handful (one per context)
  size_t ws_ = 0;
  float best_ms_ = 0;
  int chosen_ = -1;
  std::function<void(int, float)> log_;
  bool bias_ = false, residual_ = false, scale_ = false;
};

}  // namespace segrt::cuda
