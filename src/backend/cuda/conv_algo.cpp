// cuDNN convolution: the algorithm choice (graph-API engines or the legacy
// API's cudnnFind, timed once per shape on the real buffers, remembered in the
// process and the tuning cache) and the run of the chosen path with its epilogue.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>

#include "backend/cuda/conv_step.h"
#include "backend/cuda/elementwise.cuh"
#include "core/uninitialized.h"

namespace segrt::cuda {

namespace {

// Workspace cap per algorithm (also the search buffer). fp16/bf16 engines
// need little; strict fp32's fast algorithms (FFT, Winograd) want much more,
// so fp32/tf32 may take up to three quarters of the free memory, like
// PyTorch's cudnn.benchmark (73 GiB at 512x512 batch 16; bench/NOTES-cuda.md
// v4, v7). Among algorithms within 3% of the fastest the smallest workspace wins.
size_t max_workspace(CudaExecutable& ex, DevType t) {
  if (t != DevType::f32) return size_t{256} << 20;
  size_t free_b = 0, total_b = 0;
  cudaMemGetInfo(&free_b, &total_b);
  size_t avail = free_b + ex.search_scratch_bytes();  // the scratch is reused
  return std::max<size_t>(size_t{256} << 20, (avail / 4 * 3) & ~((size_t{1} << 20) - 1));
}

std::mutex g_cache_mu;
std::map<std::string, Choice>& cache() {
  static std::map<std::string, Choice> m;
  return m;
}

// The persistent tuning cache (CompileOptions::tuning_store): what a search
// chose, by the convolution's key, so a later process skips the search.
// Entries: "legacy KEY" -> "algo ws ms math fused" (cudnnFind's pick),
// "graph KEY" / "plain KEY" -> engine-config index or "none",
// "f32 KEY" -> "graph" | "plain" | "legacy" (prepare_f32's timed pick).
bool stored(const CudaExecutable& ex, const std::string& key, std::string* value) {
  return ex.opts().tuning_store && ex.opts().tuning_store->find(key, value);
}
void store(const CudaExecutable& ex, const std::string& key, const std::string& value) {
  if (ex.opts().tuning_store) ex.opts().tuning_store->put(key, value);
}

std::string format_choice(const Choice& c) {
  char b[96];
  std::snprintf(b, sizeof b, "%d %zu %.4f %d %d", c.algo, c.ws, c.ms, static_cast<int>(c.math), c.fused ? 1 : 0);
  return b;
}
bool parse_choice(const std::string& v, Choice* c) {
  int algo = -1, math = 0, fused = 0;
  size_t ws = 0;
  float ms = 0;
  if (std::sscanf(v.c_str(), "%d %zu %f %d %d", &algo, &ws, &ms, &math, &fused) != 5 || algo < 0) return false;
  c->algo = algo;
  c->ws = ws;
  c->ms = ms;
  c->math = static_cast<cudnnMathType_t>(math);
  c->fused = fused != 0;
  return true;
}

// knobs.cuda_winograd = false (the CLI's SEGRT_CUDA_NO_WINOGRAD=1): no Winograd or FFT algorithms. They are full
// fp32 arithmetic (PyTorch's fp32 mode picks them too) but round more: a
// Winograd 3x3 layer measured 9.2e-6 scaled error against float64 where
// implicit GEMM gives ~4e-7 (bench/NOTES-cuda.md v7).
bool transform_fwd(int a) {
  return a == CUDNN_CONVOLUTION_FWD_ALGO_FFT || a == CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD || a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}
bool transform_bwd(int a) {
  return a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT || a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD || a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED;
}

// Strict fp32 refuses results that used tensor-op math (TF32); the
// descriptor is then pinned to FMA math, so execution cannot use TF32 either.
bool allowed(cudnnMathType_t want, cudnnMathType_t got) {
  return want != CUDNN_FMA_MATH || (got != CUDNN_TENSOR_OP_MATH && got != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
}

void choose_algorithm(CudaExecutable& ex, ConvStep& cs, const std::string& precision) {
  {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    auto it = cache().find(cs.key);
    if (it != cache().end()) {
      cs.ch = it->second;
      SEGRT_CUDNN_CHECK(cudnnSetConvolutionMathType(cs.d.conv, cs.ch.math));
      return;
    }
  }
  std::string remembered;
  if (stored(ex, "legacy " + cs.key, &remembered) && parse_choice(remembered, &cs.ch)) {
    SEGRT_CUDNN_CHECK(cudnnSetConvolutionMathType(cs.d.conv, cs.ch.math));
    std::lock_guard<std::mutex> lock(g_cache_mu);
    cache()[cs.key] = cs.ch;
    return;
  }
  const size_t kMaxWorkspace = max_workspace(ex, cs.t);
  void* search = ex.search_scratch(kMaxWorkspace);
  const void* xin = ex.ptr(cs.xpad >= 0 ? cs.xpad : cs.x);
  cudnnMathType_t want = wanted_math(precision);
  std::vector<std::pair<int, size_t>> ok;  // (algo, ws) in order of speed
  std::vector<cudnnMathType_t> maths;
  std::vector<float> times;
  int got = 0;
  cudnnStatus_t st;
  if (!cs.transposed) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    st = cudnnFindConvolutionForwardAlgorithmEx(ex.cudnn(), cs.d.x, xin, cs.d.w, cs.w, cs.d.conv, cs.d.y, ex.ptr(cs.y),
                                                CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got, perf, search, kMaxWorkspace);
    for (int i = 0; st == CUDNN_STATUS_SUCCESS && i < got; ++i)
      if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory <= kMaxWorkspace &&
          allowed(want, perf[i].mathType) && !(no_transforms(ex) && transform_fwd(perf[i].algo))) {
        ok.push_back({static_cast<int>(perf[i].algo), perf[i].memory});
        maths.push_back(perf[i].mathType);
        times.push_back(perf[i].time);
      }
  } else {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    st = cudnnFindConvolutionBackwardDataAlgorithmEx(ex.cudnn(), cs.d.w, cs.w, cs.d.x, xin, cs.d.conv, cs.d.y,
                                                     ex.ptr(cs.y), CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &got, perf,
                                                     search, kMaxWorkspace);
    for (int i = 0; st == CUDNN_STATUS_SUCCESS && i < got; ++i)
      if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory <= kMaxWorkspace &&
          allowed(want, perf[i].mathType) && !(no_transforms(ex) && transform_bwd(perf[i].algo))) {
        ok.push_back({static_cast<int>(perf[i].algo), perf[i].memory});
        maths.push_back(perf[i].mathType);
        times.push_back(perf[i].time);
      }
  }
  SEGRT_CUDNN_CHECK(st);
  SEGRT_CHECK(!ok.empty(), Device, "cuDNN offers no ", precision, " algorithm for this convolution");
  size_t pick = 0;
  for (size_t i = 1; i < ok.size(); ++i)  // nearly as fast with less memory
    if (times[i] <= 1.03f * times[0] && ok[i].second < ok[pick].second) pick = i;
  if (!cs.transposed && cs.relu_or_none && cs.act.kind == ActKind::None) {
    // The fused call with an identity activation runs only IMPLICIT_PRECOMP_GEMM:
    // take it when it is within 15% of the fastest.
    for (size_t i = 0; i < ok.size(); ++i)
      if (ok[i].first == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM && times[i] <= 1.15f * times[0]) pick = i;
  }
  cs.ch.algo = ok[pick].first;
  cs.ch.ws = ok[pick].second;
  cs.ch.ms = times[pick];
  cs.ch.math = want == CUDNN_FMA_MATH ? CUDNN_FMA_MATH : maths[pick];
  cs.ch.fused = !cs.transposed && cs.relu_or_none &&
                (cs.act.kind == ActKind::Relu || cs.ch.algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM);
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionMathType(cs.d.conv, cs.ch.math));
  store(ex, "legacy " + cs.key, format_choice(cs.ch));
  std::lock_guard<std::mutex> lock(g_cache_mu);
  cache()[cs.key] = cs.ch;
}

GraphConvPtrs graph_ptrs(CudaExecutable& ex, const ConvStep& cs) {
  GraphConvPtrs p;
  p.x = ex.ptr(cs.x);
  p.w = cs.w;
  p.bias = cs.bias_dev;
  p.residual = cs.has_residual ? ex.ptr(cs.z) : nullptr;
  p.scale = cs.scale_dev;
  p.y = ex.ptr(cs.y);
  return p;
}

// Tries the graph API for a forward convolution (asymmetric pads included;
// strict fp32 only on engines without tensor cores); false leaves the legacy path.
bool prepare_graph(CudaExecutable& ex, ConvStep& cs) {
  if (cs.transposed || cs.nd) return false;
  if (ex.opts().knobs.cuda_legacy_conv && !cs.spec.quantized) return false;
  std::string remembered;
  int only = -1;
  if (stored(ex, "graph " + cs.key, &remembered)) {
    if (remembered == "none") return false;
    only = std::atoi(remembered.c_str());
  }
  const size_t kMaxWorkspace = max_workspace(ex, cs.t);
  auto g = std::make_unique<GraphConv>();
  std::string why;
  // A plan cuDNN serialized in an earlier process (runtime-compiled engines,
  // whose build is most of a warm start): no heuristics, no compilation.
  std::string text;
  if (only >= 0 && cs.preloaded) {  // preload_conv deserialized it already
    std::unique_ptr<GraphConv> p = std::move(cs.preloaded);
    if (p->workspace_bytes() <= kMaxWorkspace) {
      cs.graph = std::move(p);
      return true;
    }
  }
  if (only >= 0 && stored(ex, "graphplan " + cs.key, &text)) {
    if (g->load(ex.cudnn(), cs.spec, text, &why) && g->workspace_bytes() <= kMaxWorkspace) {
      cs.graph = std::move(g);
      return true;
    }
    ex.opts().say(LogLevel::Notice, "tuning cache: " + why + "; building the plan again: " + cs.key);
    g = std::make_unique<GraphConv>();
  }
  void* scratch = ex.search_scratch(kMaxWorkspace);
  // Strict fp32 has few engines and no runtime compilation: try more of them.
  // 8-bit: every engine (16 on the H200; the first few the default search
  // reaches ran 2-4x slower than the best, bench/NOTES-cuda.md v16).
  const int plans = cs.spec.quantized ? 64 : cs.t == DevType::f32 ? 12 : 6;
  bool ok = g->build(ex.cudnn(), cs.spec, graph_ptrs(ex, cs), scratch, kMaxWorkspace, plans, &why, only);
  if (!ok && only >= 0)  // the remembered engine no longer builds: search again
    ok = g->build(ex.cudnn(), cs.spec, graph_ptrs(ex, cs), scratch, kMaxWorkspace, plans, &why);
  store(ex, "graph " + cs.key, ok ? std::to_string(g->chosen_config()) : "none");
  if (ok && ex.opts().tuning_store)
    if (std::string plan = g->serialize(); !plan.empty()) store(ex, "graphplan " + cs.key, plan);
  if (!ok) {
    ex.opts().say(LogLevel::Debug, "cuda: graph-API conv unavailable (" + why + "): " + cs.key);
    return false;
  }
  cs.graph = std::move(g);
  return true;
}

// y = act(y + bias + residual) in place, on either layout (legacy algorithms
// without a fused kernel, and plain-convolution graphs).
void run_epilogue(CudaExecutable& ex, ConvStep& cs, cudaStream_t s) {
  if (!(cs.bias_f32 || cs.has_residual || cs.act.kind != ActKind::None)) return;
  void* y = ex.ptr(cs.y);
  const void* z = cs.has_residual ? ex.ptr(cs.z) : nullptr;
  if (cs.nchw)
    launch_channel_affine_nchw(y, y, cs.n, cs.k, cs.hw, nullptr, cs.bias_f32, cs.t, cs.act, s, z);
  else
    launch_channel_affine(y, cs.rows, cs.k, cs.k, nullptr, cs.bias_f32, z, cs.t, cs.act, s);
}

// The legacy path with the given workspace (the shared one at run time, the
// search scratch while timing).
void run_legacy(CudaExecutable& ex, ConvStep& cs, cudaStream_t s, void* ws, size_t ws_bytes) {
  const void* xin = ex.ptr(cs.x);
  if (cs.xpad >= 0) {
    launch_pad(xin, ex.ptr(cs.xpad), cs.t, cs.pre_pad, s);
    xin = ex.ptr(cs.xpad);
  }
  float one = 1.f, zero = 0.f;
  void* y = ex.ptr(cs.y);
  if (cs.transposed) {
    SEGRT_CUDNN_CHECK(cudnnConvolutionBackwardData(ex.cudnn(), &one, cs.d.w, cs.w, cs.d.x, xin, cs.d.conv,
                                                   static_cast<cudnnConvolutionBwdDataAlgo_t>(cs.ch.algo), ws,
                                                   ws_bytes, &zero, cs.d.y, y));
    run_epilogue(ex, cs, s);
    return;
  }
  if (cs.ch.fused) {
    float alpha2 = cs.has_residual ? 1.f : 0.f;
    const void* z = cs.has_residual ? ex.ptr(cs.z) : y;
    cudnnStatus_t st = cudnnConvolutionBiasActivationForward(
        ex.cudnn(), &one, cs.d.x, xin, cs.d.w, cs.w, cs.d.conv, static_cast<cudnnConvolutionFwdAlgo_t>(cs.ch.algo),
        ws, ws_bytes, &alpha2, cs.d.y, z, cs.d.b, cs.bias_dev, cs.d.act, cs.d.y, y);
    if (st != CUDNN_STATUS_NOT_SUPPORTED) {
      SEGRT_CUDNN_CHECK(st);
      return;
    }
    // This configuration has no fused kernel (seen while timing or on the
    // first, uncaptured run): from now on convolve, then run the epilogue.
    cs.ch.fused = false;
    std::lock_guard<std::mutex> lock(g_cache_mu);
    cache()[cs.key] = cs.ch;
  }
  SEGRT_CUDNN_CHECK(cudnnConvolutionForward(ex.cudnn(), &one, cs.d.x, xin, cs.d.w, cs.w, cs.d.conv,
                                            static_cast<cudnnConvolutionFwdAlgo_t>(cs.ch.algo), ws, ws_bytes, &zero,
                                            cs.d.y, y));
  run_epilogue(ex, cs, s);
}


// Mean time of three runs of fn on the executable's stream, after one warm-up.
float time_ms(CudaExecutable& ex, const std::function<void()>& fn) {
  cudaEvent_t e0, e1;
  SEGRT_CUDA_CHECK(cudaEventCreate(&e0));
  SEGRT_CUDA_CHECK(cudaEventCreate(&e1));
  fn();
  SEGRT_CUDA_CHECK(cudaEventRecord(e0, ex.stream()));
  for (int r = 0; r < 3; ++r) fn();
  SEGRT_CUDA_CHECK(cudaEventRecord(e1, ex.stream()));
  SEGRT_CUDA_CHECK(cudaEventSynchronize(e1));
  float ms = 0;
  cudaEventElapsedTime(&ms, e0, e1);
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  return ms / 3;
}

// Strict fp32 / tf32: three candidates timed the way they will run, the
// fastest kept: the fused graph (conv + bias + ReLU), a plain-convolution
// graph + our epilogue (strict fp32: more engines take it, as in PyTorch),
// and the legacy algorithm cudnnFind liked best (Winograd, FFT...) with its
// pad and epilogue. cudnnFind's own times leave the epilogue out.
void prepare_f32(CudaExecutable& ex, ConvStep& cs, const std::string& precision) {
  const bool plain_possible =
      !cs.transposed && !cs.nd && !cs.spec.allow_tensor_cores && !ex.opts().knobs.cuda_legacy_conv;
  GraphConvSpec plain_spec = cs.spec;
  plain_spec.bias = plain_spec.residual = plain_spec.relu = false;
  auto build_plain = [&](int only) -> std::unique_ptr<GraphConv> {
    const size_t cap = max_workspace(ex, cs.t);
    void* scratch = ex.search_scratch(cap);
    auto g = std::make_unique<GraphConv>();
    std::string why;
    if (!g->build(ex.cudnn(), plain_spec, graph_ptrs(ex, cs), scratch, cap, 12, &why, only)) return nullptr;
    store(ex, "plain " + cs.key, std::to_string(g->chosen_config()));
    return g;
  };
  // A pick a previous process timed: build only it.
  std::string pick;
  if (stored(ex, "f32 " + cs.key, &pick)) {
    std::string idx;
    if (pick == "graph" && prepare_graph(ex, cs)) {
      ex.need_workspace(cs.graph->workspace_bytes());
      return;
    }
    if (pick == "plain" && plain_possible && stored(ex, "plain " + cs.key, &idx)) {
      if (auto g = build_plain(std::atoi(idx.c_str()))) {
        cs.graph = std::move(g);
        cs.graph_plain = true;
        ex.need_workspace(cs.graph->workspace_bytes());
        return;
      }
    }
    if (pick == "legacy") {
      if (cs.xpad >= 0) launch_pad(ex.ptr(cs.x), ex.ptr(cs.xpad), cs.t, cs.pre_pad, ex.stream());
      choose_algorithm(ex, cs, precision);
      ex.need_workspace(cs.ch.ws);
      return;
    }
    // Anything else (a remembered engine that no longer builds): time again.
  }
  bool graph = prepare_graph(ex, cs);
  float graph_ms = graph ? cs.graph->best_ms() : INFINITY;
  std::unique_ptr<GraphConv> plain;
  float plain_ms = INFINITY;
  if (plain_possible) {
    if (auto g = build_plain(-1)) {
      float epi = time_ms(ex, [&] { run_epilogue(ex, cs, ex.stream()); });
      plain_ms = g->best_ms() + epi;
      plain = std::move(g);
    }
  }
  if (cs.xpad >= 0) launch_pad(ex.ptr(cs.x), ex.ptr(cs.xpad), cs.t, cs.pre_pad, ex.stream());
  choose_algorithm(ex, cs, precision);
  void* scratch = ex.search_scratch(std::max<size_t>(cs.ch.ws, 1));
  size_t scratch_bytes = ex.search_scratch_bytes();
  float legacy_ms = time_ms(ex, [&] { run_legacy(ex, cs, ex.stream(), scratch, scratch_bytes); });
  cs.ch.ms = legacy_ms;
  if (plain_ms < graph_ms && plain_ms < legacy_ms) {
    cs.graph = std::move(plain);
    cs.graph_plain = true;
    store(ex, "f32 " + cs.key, "plain");
  } else if (!(graph_ms <= legacy_ms)) {
    cs.graph.reset();
    store(ex, "f32 " + cs.key, "legacy");
  } else {
    store(ex, "f32 " + cs.key, "graph");
  }
  ex.need_workspace(cs.graph ? cs.graph->workspace_bytes() : cs.ch.ws);  // only the chosen path's
}

}  // namespace

void run_conv(CudaExecutable& ex, ConvStep& cs, cudaStream_t s) {
  if (cs.graph) {
    cs.graph->execute(ex.cudnn(), graph_ptrs(ex, cs), ex.workspace());
    if (cs.graph_plain)
      run_epilogue(ex, cs, s);
    else if (cs.act.kind != ActKind::None && cs.act.kind != ActKind::Relu)
      launch_unary(ex.ptr(cs.y), ex.ptr(cs.y), cs.t, cs.rows * cs.k, cs.act, s);
    return;
  }
  run_legacy(ex, cs, s, ex.workspace(), ex.workspace_bytes());
}

void preload_conv(CudaExecutable& ex, ConvStep& cs, cudnnHandle_t h) {
  if ((cs.t == DevType::f32 && !cs.spec.quantized) || cs.transposed || cs.nd || ex.opts().knobs.cuda_legacy_conv) return;
  std::string remembered, text;
  if (!stored(ex, "graph " + cs.key, &remembered) || remembered == "none") return;
  if (!stored(ex, "graphplan " + cs.key, &text)) return;
  auto g = std::make_unique<GraphConv>();
  if (g->load(h, cs.spec, text, nullptr)) cs.preloaded = std::move(g);
}

void prepare_conv(CudaExecutable& ex, ConvStep& cs, const std::string& precision) {
  if (cs.spec.quantized) {  // 8-bit: the graph API only (the legacy path here is float)
    if (!prepare_graph(ex, cs))
      throw Error(ErrorKind::Unsupported, "cuDNN has no 8-bit engine for this convolution (" + cs.key +
                                              "); keep it in float with --layer-precision NAME=fp16");
    ex.need_workspace(cs.graph->workspace_bytes());
    return;
  }
  if (cs.t == DevType::f32) return prepare_f32(ex, cs, precision);
  if (prepare_graph(ex, cs)) {
    ex.need_workspace(cs.graph->workspace_bytes());
    return;
  }
  if (cs.xpad >= 0) launch_pad(ex.ptr(cs.x), ex.ptr(cs.xpad), cs.t, cs.pre_pad, ex.stream());
  choose_algorithm(ex, cs, precision);
  ex.need_workspace(cs.ch.ws);
}

// Bias in both forms the paths read: the data type (cuDNN's fused call and
// the graph) and, when the model has one, float32 (the epilogue).
void upload_bias(BuildCtx& c, ConvStep& cs, int64_t K) {
  auto& ex = c.ex();
  std::vector<float> bias(static_cast<size_t>(K), 0.f);
  if (c.has_input(2)) {
    auto b = c.in_constant(2)->to_f64_vector();
    for (int64_t i = 0; i < K; ++i) bias[i] = static_cast<float>(b.at(i));
    cs.bias_f32 = static_cast<float*>(ex.upload(bias.data(), bias.size() * sizeof(float)));
  }
  Tensor bt = Tensor::from_vector(bias, {K}).cast(c.compute_dtype());
  cs.bias_dev = ex.upload(bt.raw(), bt.nbytes());
}

}  // namespace segrt::cuda
