// CUDA builders for Conv and ConvTranspose through cuDNN (graph API, else the
// legacy API) on channel-last (NHWC) data, or NCHW for strict fp32 (the
// executable's channels_fmt()). Conv + bias (+ residual) + ReLU/identity runs
// as one fused operation; other activations run as an epilogue kernel.
// Algorithms are chosen by timing them once per shape on the real buffers
// (cudnnFind*Ex, graph engines) and cached for the process.
#include <algorithm>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "core/uninitialized.h"
#include "backend/cuda/conv_graph.h"
#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/elementwise.cuh"
#include "backend/cuda/pad.cuh"
#include "ir/ops/conv_util.h"

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

cudnnDataType_t cudnn_type(DType t) {
  return t == DType::f16 ? CUDNN_DATA_HALF : t == DType::bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
}

struct Descs {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, b = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnActivationDescriptor_t act = nullptr;
  Descs() {
    SEGRT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x));
    SEGRT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y));
    SEGRT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&b));
    SEGRT_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
    SEGRT_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
    SEGRT_CUDNN_CHECK(cudnnCreateActivationDescriptor(&act));
  }
  ~Descs() {
    cudnnDestroyTensorDescriptor(x);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyTensorDescriptor(b);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyConvolutionDescriptor(conv);
    cudnnDestroyActivationDescriptor(act);
  }
  Descs(const Descs&) = delete;
  Descs& operator=(const Descs&) = delete;
};

struct Choice {
  int algo = -1;
  size_t ws = 0;
  float ms = 0;  // cudnnFind's time for it
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  bool fused = false;
};

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

cudnnMathType_t wanted_math(const std::string& precision) {
  if (precision == "fp32") return CUDNN_FMA_MATH;  // strict: no TF32
  if (precision == "tf32") return CUDNN_DEFAULT_MATH;
  return CUDNN_TENSOR_OP_MATH;
}

// Everything a convolution step needs at run time.
struct ConvStep {
  Descs d;
  Choice ch;
  bool transposed = false;
  bool relu_or_none = false;   // the fused API takes only ReLU / identity
  Act act;
  bool has_residual = false;
  int x = -1, y = -1, z = -1, xpad = -1;
  void* w = nullptr;
  void* bias_dev = nullptr;    // in the data type (fused path)
  float* bias_f32 = nullptr;   // float32 (epilogue path)
  PadParams pre_pad;           // asymmetric pads: padded into xpad first
  int64_t rows = 0, k = 0;     // output pixels and channels (epilogue)
  DevType t = DevType::f32;
  bool nchw = false;           // physical NCHW (strict fp32, 1-D, 3-D), else channel-last
  bool nd = false;             // 3-D: Nd descriptors, legacy API only
  int64_t n = 1, hw = 1;       // batch and output pixels per image (NCHW epilogue)
  std::string key;
  // fp16 / bf16: the graph API (conv + bias + residual + ReLU in one plan).
  GraphConvSpec spec;
  std::unique_ptr<GraphConv> graph;
  bool graph_plain = false;    // the graph is the convolution alone: epilogue after it
};

void set_4d(cudnnTensorDescriptor_t d, bool nchw, cudnnDataType_t t, int64_t n, int64_t c, int64_t h, int64_t w) {
  SEGRT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, nchw ? CUDNN_TENSOR_NCHW : CUDNN_TENSOR_NHWC, t, static_cast<int>(n),
                                               static_cast<int>(c), static_cast<int>(h), static_cast<int>(w)));
}

// knobs.cuda_winograd = false (the CLI's SEGRT_CUDA_NO_WINOGRAD=1): no Winograd or FFT algorithms. They are full
// fp32 arithmetic (PyTorch's fp32 mode picks them too) but round more: a
// Winograd 3x3 layer measured 9.2e-6 scaled error against float64 where
// implicit GEMM gives ~4e-7 (bench/NOTES-cuda.md v7).
bool no_transforms(const CudaExecutable& ex) { return !ex.opts().knobs.cuda_winograd; }
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
  p.y = ex.ptr(cs.y);
  return p;
}

// Tries the graph API for a forward convolution (asymmetric pads included;
// strict fp32 only on engines without tensor cores); false leaves the legacy path.
bool prepare_graph(CudaExecutable& ex, ConvStep& cs) {
  if (cs.transposed || cs.nd) return false;
  if (ex.opts().knobs.cuda_legacy_conv) return false;
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
  bool ok = g->build(ex.cudnn(), cs.spec, graph_ptrs(ex, cs), scratch, kMaxWorkspace, cs.t == DevType::f32 ? 12 : 6,
                     &why, only);
  if (!ok && only >= 0)  // the remembered engine no longer builds: search again
    ok = g->build(ex.cudnn(), cs.spec, graph_ptrs(ex, cs), scratch, kMaxWorkspace, cs.t == DevType::f32 ? 12 : 6,
                  &why);
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

bool build_conv3d(BuildCtx& c);

bool build_conv(BuildCtx& c) {
  const Node& n = c.n;
  bool transposed = n.op == OpType::ConvTranspose;
  const Shape& xs_in = c.in_value(0).shape;
  const Tensor* wt = c.in_constant(1);
  if (xs_in.size() == 5) return build_conv3d(c);
  bool one_d = xs_in.size() == 3;  // [N, C, L] runs as NCHW [N, C, 1, L]
  if ((xs_in.size() != 4 && !one_d) || !wt || wt->rank() != static_cast<int>(xs_in.size()) ||
      !dtype_is_float(c.in_value(0).dtype))
    return false;
  if (c.has_input(2) && !c.in_constant(2)) return false;
  bool nhwc_attr = n.attrs.s("layout", "NCHW") == "NHWC";
  if (one_d && nhwc_attr) return false;
  ConvGeometry geo = transposed ? conv_transpose_geometry(n.attrs, xs_in, wt->shape())
                                : conv_geometry(n.attrs, xs_in, wt->shape());
  if (geo.rank() != (one_d ? 1 : 2)) return false;
  if (one_d) {  // a unit H axis in front
    geo.strides.insert(geo.strides.begin(), 1);
    geo.dilations.insert(geo.dilations.begin(), 1);
    geo.pads = {0, geo.pads[0], 0, geo.pads[1]};
  }
  auto as_4d = [one_d](const Shape& s) { return one_d ? Shape{s[0], s[1], 1, s[2]} : s; };
  const Shape xs = as_4d(xs_in), ys = as_4d(c.g.value(n.outputs[0]).shape);
  int64_t N = xs[0], C = nhwc_attr ? xs[3] : xs[1], H = nhwc_attr ? xs[1] : xs[2], W = nhwc_attr ? xs[2] : xs[3];
  int64_t K = nhwc_attr ? ys[3] : ys[1], OH = nhwc_attr ? ys[1] : ys[2], OW = nhwc_attr ? ys[2] : ys[3];
  int64_t group = n.attrs.i("group", 1);
  int kh = one_d ? 1 : static_cast<int>(wt->dim(2)), kw = static_cast<int>(wt->dim(one_d ? 2 : 3));
  struct {
    int sh, sw, dh, dw, pad_t, pad_l, pad_b, pad_r;
  } win{static_cast<int>(geo.strides[0]), static_cast<int>(geo.strides[1]), static_cast<int>(geo.dilations[0]),
        static_cast<int>(geo.dilations[1]), static_cast<int>(geo.pads[0]), static_cast<int>(geo.pads[1]),
        static_cast<int>(geo.pads[2]), static_cast<int>(geo.pads[3])};
  if (win.pad_t < 0 || win.pad_l < 0) return false;
  auto cs = std::make_shared<ConvStep>();
  cs->transposed = transposed;
  cs->t = c.act_dev();
  // NCHW models run physically NCHW where the executable says so (strict fp32).
  Fmt f = nhwc_attr || one_d ? Fmt::Logical : c.ex().channels_fmt();
  cs->nchw = !nhwc_attr && f == Fmt::Logical;  // 1-D values are never channel-last
  bool nchw = cs->nchw;
  Activation fa = Activation::from_fused_attrs(n.attrs);
  cs->act = act_of(fa);
  cs->relu_or_none = cs->act.kind == ActKind::None || cs->act.kind == ActKind::Relu;
  cudnnDataType_t dt = cudnn_type(c.act());
  // Padding: cuDNN takes one pad per axis. Conv: asymmetric pads go through a
  // padded copy. ConvTranspose: the begin pad places the output; the end pad
  // and output_padding only set its size, which cuDNN must accept.
  int ph = win.pad_t, pw = win.pad_l;
  int64_t IH = H, IW = W;
  if (transposed) {
    auto ok = [](int64_t in, int64_t out, int p, int k, int s, int d) {
      return (out + 2 * p - d * (k - 1) - 1) / s + 1 == in && out + 2 * p - d * (k - 1) - 1 >= 0;
    };
    if (!ok(H, OH, ph, kh, win.sh, win.dh) || !ok(W, OW, pw, kw, win.sw, win.dw)) return false;
  } else if (win.pad_t != win.pad_b || win.pad_l != win.pad_r) {
    ph = pw = 0;
    IH = H + win.pad_t + win.pad_b;
    IW = W + win.pad_l + win.pad_r;
  }
  SEGRT_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(cs->d.conv, ph, pw, win.sh, win.sw, win.dh, win.dw,
                                                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionGroupCount(cs->d.conv, static_cast<int>(group)));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionMathType(cs->d.conv, wanted_math(c.precision())));
  set_4d(cs->d.x, nchw, dt, N, C, IH, IW);
  set_4d(cs->d.y, nchw, dt, N, K, OH, OW);
  set_4d(cs->d.b, nchw, dt, 1, K, 1, 1);
  SEGRT_CUDNN_CHECK(cudnnSetActivationDescriptor(
      cs->d.act, cs->act.kind == ActKind::Relu ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY,
      CUDNN_NOT_PROPAGATE_NAN, 0.0));
  // Weights: Conv OIHW and ConvTranspose IOHW are cuDNN's NCHW filter order;
  // channel-last data wants them as [dim0][kh][kw][dim1] (KRSC).
  int64_t d0 = wt->dim(0), d1 = wt->dim(1);
  SEGRT_CUDNN_CHECK(cudnnSetFilter4dDescriptor(cs->d.w, dt, nchw ? CUDNN_TENSOR_NCHW : CUDNN_TENSOR_NHWC,
                                               static_cast<int>(d0), static_cast<int>(d1), kh, kw));
  Tensor w32 = wt->to_f32();
  Tensor krsc = uninitialized_tensor(DType::f32, nchw ? Shape{d0, d1, kh, kw} : Shape{d0, kh, kw, d1});
  const float* src = w32.data<float>();
  float* dst = krsc.data<float>();
  for (int64_t a = 0; a < d0; ++a)
    for (int64_t b = 0; b < d1; ++b)
      for (int y = 0; y < kh; ++y)
        for (int x = 0; x < kw; ++x) {
          int64_t from = ((a * d1 + b) * kh + y) * kw + x;
          dst[nchw ? from : ((a * kh + y) * kw + x) * d1 + b] = src[from];
        }
  Tensor wdev = krsc.cast(c.act());
  auto& ex = c.ex();
  cs->w = ex.upload(wdev.raw(), wdev.nbytes());
  std::vector<float> bias(static_cast<size_t>(K), 0.f);
  bool has_bias = c.has_input(2);
  if (has_bias) {
    auto b = c.in_constant(2)->to_f64_vector();
    for (int64_t i = 0; i < K; ++i) bias[i] = static_cast<float>(b.at(i));
  }
  Tensor bt = Tensor::from_vector(bias, {K}).cast(c.act());
  cs->bias_dev = ex.upload(bt.raw(), bt.nbytes());
  if (has_bias) cs->bias_f32 = static_cast<float*>(ex.upload(bias.data(), bias.size() * sizeof(float)));
  cs->rows = N * OH * OW;
  cs->k = K;
  cs->n = N;
  cs->hw = OH * OW;
  cs->x = c.input(0, f);
  cs->has_residual = !transposed && c.has_input(3);
  if (cs->has_residual) cs->z = c.input(3, f);
  if (IH != H || IW != W) {
    cs->xpad = c.temp(c.act(), nchw ? Shape{N, C, IH, IW} : Shape{N, IH, IW, C});
    PadParams& p = cs->pre_pad;
    p.rank = 4;
    int64_t in[4] = {N, H, W, C}, out[4] = {N, IH, IW, C}, beg[4] = {0, win.pad_t, win.pad_l, 0};
    if (nchw) {
      int64_t in_c[4] = {N, C, H, W}, out_c[4] = {N, C, IH, IW}, beg_c[4] = {0, 0, win.pad_t, win.pad_l};
      std::copy(in_c, in_c + 4, in);
      std::copy(out_c, out_c + 4, out);
      std::copy(beg_c, beg_c + 4, beg);
    }
    for (int i = 0; i < 4; ++i) {
      p.in[i] = in[i];
      p.out[i] = out[i];
      p.begin[i] = beg[i];
    }
  }
  cs->y = c.output(0, f);
  cs->key = std::string(transposed ? "T" : "F") + c.precision() + (nchw ? " nchw" : " nhwc") + (no_transforms(ex) ? " nowino" : "") + " x" + std::to_string(N) + "," +
            std::to_string(C) + "," + std::to_string(IH) + "," + std::to_string(IW) + " w" + std::to_string(d0) + "," +
            std::to_string(d1) + "," + std::to_string(kh) + "," + std::to_string(kw) + " p" + std::to_string(ph) +
            "," + std::to_string(pw) + " s" + std::to_string(win.sh) + "," + std::to_string(win.sw) + " d" +
            std::to_string(win.dh) + "," + std::to_string(win.dw) + " g" + std::to_string(group) + " o" +
            std::to_string(OH) + "," + std::to_string(OW) + " a" + std::to_string(static_cast<int>(cs->act.kind)) +
            (cs->has_residual ? "r" : "");
  GraphConvSpec& sp = cs->spec;
  sp.io = dt;
  sp.nchw = nchw;
  sp.n = N; sp.c = C; sp.h = H; sp.w = W;
  sp.k = K; sp.r = kh; sp.s = kw; sp.oh = OH; sp.ow = OW;
  sp.groups = group;
  sp.pad_pre[0] = win.pad_t; sp.pad_pre[1] = win.pad_l;
  sp.pad_post[0] = win.pad_b; sp.pad_post[1] = win.pad_r;
  sp.stride[0] = win.sh; sp.stride[1] = win.sw;
  sp.dilation[0] = win.dh; sp.dilation[1] = win.dw;
  sp.bias = true;  // a zero bias when the model has none: one graph shape for all
  sp.residual = cs->has_residual;
  sp.relu = cs->act.kind == ActKind::Relu;
  sp.allow_tensor_cores = c.precision() != "fp32";
  sp.allow_transforms = !no_transforms(ex);
  std::string precision = c.precision();
  auto info = [cs] {
    char b[320];
    if (cs->graph)
      std::snprintf(b, sizeof b, "graph engine%s %.3f ms, ws %zu MiB  %s", cs->graph_plain ? " (plain)" : "",
                    cs->graph->best_ms(), cs->graph->workspace_bytes() >> 20, cs->key.c_str());
    else
      std::snprintf(b, sizeof b, "legacy algo %d%s %.3f ms, ws %zu MiB  %s", cs->ch.algo, cs->ch.fused ? " fused" : "",
                    cs->ch.ms, cs->ch.ws >> 20, cs->key.c_str());
    return std::string(b);
  };
  c.step([&ex, cs](cudaStream_t s) { run_conv(ex, *cs, s); },
         [&ex, cs, precision] {
           if (cs->t == DevType::f32) return prepare_f32(ex, *cs, precision);
           if (prepare_graph(ex, *cs)) {
             ex.need_workspace(cs->graph->workspace_bytes());
             return;
           }
           if (cs->xpad >= 0) launch_pad(ex.ptr(cs->x), ex.ptr(cs->xpad), cs->t, cs->pre_pad, ex.stream());
           choose_algorithm(ex, *cs, precision);
           ex.need_workspace(cs->ch.ws);
         },
         info);
  return true;
}

// 3-D Conv / ConvTranspose on NCDHW data (5-D values are stored in logical
// order): cuDNN's Nd legacy descriptors and algorithm search, bias and
// activation in our epilogue, asymmetric Conv pads through a padded copy.
bool build_conv3d(BuildCtx& c) {
  const Node& n = c.n;
  bool transposed = n.op == OpType::ConvTranspose;
  const Shape& xs = c.in_value(0).shape;
  const Shape& ys = c.g.value(n.outputs[0]).shape;
  const Tensor* wt = c.in_constant(1);
  if (xs.size() != 5 || !wt || wt->rank() != 5 || !dtype_is_float(c.in_value(0).dtype)) return false;
  if ((c.has_input(2) && !c.in_constant(2)) || n.attrs.s("layout", "NCHW") == "NHWC") return false;
  ConvGeometry geo = transposed ? conv_transpose_geometry(n.attrs, xs, wt->shape()) : conv_geometry(n.attrs, xs, wt->shape());
  if (geo.rank() != 3) return false;
  const int64_t N = xs[0], C = xs[1], K = ys[1];
  int pad[3], stride[3], dil[3];
  int64_t in_p[3], pb[3], pe[3];
  bool asym = false;
  for (int i = 0; i < 3; ++i) {
    pb[i] = geo.pads[i];
    pe[i] = geo.pads[i + 3];
    if (pb[i] < 0) return false;
    stride[i] = static_cast<int>(geo.strides[i]);
    dil[i] = static_cast<int>(geo.dilations[i]);
    pad[i] = static_cast<int>(pb[i]);
    in_p[i] = xs[2 + i];
    if (transposed) {  // cuDNN must reach the requested output size with the begin pad
      int64_t k = wt->dim(2 + i), out = ys[2 + i];
      if ((out + 2 * pb[i] - dil[i] * (k - 1) - 1) / stride[i] + 1 != xs[2 + i] || out + 2 * pb[i] - dil[i] * (k - 1) - 1 < 0)
        return false;
    } else if (pb[i] != pe[i]) {
      asym = true;
    }
  }
  if (asym)
    for (int i = 0; i < 3; ++i) {
      pad[i] = 0;
      in_p[i] = xs[2 + i] + pb[i] + pe[i];
    }
  auto cs = std::make_shared<ConvStep>();
  cs->transposed = transposed;
  cs->t = c.act_dev();
  cs->nchw = true;
  cs->nd = true;
  cs->act = act_of(Activation::from_fused_attrs(n.attrs));
  cs->relu_or_none = false;  // no fused cuDNN call for Nd: convolve, then the epilogue
  cudnnDataType_t dt = cudnn_type(c.act());
  auto packed = [](const int* d, int* st) {
    st[4] = 1;
    for (int i = 3; i >= 0; --i) st[i] = st[i + 1] * d[i + 1];
  };
  int xd[5] = {static_cast<int>(N), static_cast<int>(C), static_cast<int>(in_p[0]), static_cast<int>(in_p[1]),
               static_cast<int>(in_p[2])};
  int yd[5] = {static_cast<int>(N), static_cast<int>(K), static_cast<int>(ys[2]), static_cast<int>(ys[3]),
               static_cast<int>(ys[4])};
  int bd[5] = {1, static_cast<int>(K), 1, 1, 1};
  int wd[5];
  for (int i = 0; i < 5; ++i) wd[i] = static_cast<int>(wt->dim(i));
  int xst[5], yst[5], bst[5];
  packed(xd, xst);
  packed(yd, yst);
  packed(bd, bst);
  SEGRT_CUDNN_CHECK(cudnnSetTensorNdDescriptor(cs->d.x, dt, 5, xd, xst));
  SEGRT_CUDNN_CHECK(cudnnSetTensorNdDescriptor(cs->d.y, dt, 5, yd, yst));
  SEGRT_CUDNN_CHECK(cudnnSetTensorNdDescriptor(cs->d.b, dt, 5, bd, bst));
  SEGRT_CUDNN_CHECK(cudnnSetFilterNdDescriptor(cs->d.w, dt, CUDNN_TENSOR_NCHW, 5, wd));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(cs->d.conv, 3, pad, stride, dil, CUDNN_CROSS_CORRELATION,
                                                    CUDNN_DATA_FLOAT));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionGroupCount(cs->d.conv, static_cast<int>(n.attrs.i("group", 1))));
  SEGRT_CUDNN_CHECK(cudnnSetConvolutionMathType(cs->d.conv, wanted_math(c.precision())));
  // Weights: Conv OIDHW / ConvTranspose IODHW are cuDNN's NCHW-order Nd filters.
  auto& ex = c.ex();
  Tensor wdev = wt->to_f32().cast(c.act());
  cs->w = ex.upload(wdev.raw(), wdev.nbytes());
  std::vector<float> bias(static_cast<size_t>(K), 0.f);
  if (c.has_input(2)) {
    auto b = c.in_constant(2)->to_f64_vector();
    for (int64_t i = 0; i < K; ++i) bias[i] = static_cast<float>(b.at(i));
    cs->bias_f32 = static_cast<float*>(ex.upload(bias.data(), bias.size() * sizeof(float)));
  }
  Tensor bt = Tensor::from_vector(bias, {K}).cast(c.act());
  cs->bias_dev = ex.upload(bt.raw(), bt.nbytes());
  cs->k = K;
  cs->n = N;
  cs->hw = ys[2] * ys[3] * ys[4];
  cs->rows = N * cs->hw;
  cs->x = c.input(0, Fmt::Logical);
  cs->has_residual = !transposed && c.has_input(3);
  if (cs->has_residual) cs->z = c.input(3, Fmt::Logical);
  if (asym) {
    cs->xpad = c.temp(c.act(), {N, C, in_p[0], in_p[1], in_p[2]});
    PadParams& p = cs->pre_pad;
    p.rank = 5;
    for (int i = 0; i < 5; ++i) {
      p.in[i] = xs[i];
      p.out[i] = i < 2 ? xs[i] : in_p[i - 2];
      p.begin[i] = i < 2 ? 0 : pb[i - 2];
    }
  }
  cs->y = c.output(0, Fmt::Logical);
  std::string key = std::string(transposed ? "T3" : "F3") + c.precision() + (no_transforms(ex) ? " nowino" : "");
  for (int v : xd) key += "," + std::to_string(v);
  for (int v : wd) key += "," + std::to_string(v);
  for (int i = 0; i < 3; ++i) key += " " + std::to_string(pad[i]) + "/" + std::to_string(stride[i]) + "/" + std::to_string(dil[i]);
  key += " g" + std::to_string(n.attrs.i("group", 1));
  for (int v : yd) key += "," + std::to_string(v);
  cs->key = key;
  std::string precision = c.precision();
  c.step([&ex, cs](cudaStream_t s) { run_conv(ex, *cs, s); },
         [&ex, cs, precision] {
           if (cs->t == DevType::f32) return prepare_f32(ex, *cs, precision);
           if (cs->xpad >= 0) launch_pad(ex.ptr(cs->x), ex.ptr(cs->xpad), cs->t, cs->pre_pad, ex.stream());
           choose_algorithm(ex, *cs, precision);
           ex.need_workspace(cs->ch.ws);
         },
         [cs] {
           return "legacy 3-D algo " + std::to_string(cs->ch.algo) + ", ws " + std::to_string(cs->ch.ws >> 20) +
                  " MiB  " + cs->key;
         });
  return true;
}

}  // namespace

SEGRT_CUDA_OP(Conv, build_conv);
SEGRT_CUDA_OP(ConvTranspose, build_conv);

}  // namespace segrt::cuda
