// GraphConv: the cuDNN backend (graph) API, written against its C interface.
#include "backend/cuda/conv_graph.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>

#include "backend/cuda/cuda_check.h"

namespace segrt::cuda {

namespace {

enum Uid : int64_t { kX = 1, kW, kB, kZ, kY, kS, kConvOut, kBiasOut, kResOut };

struct Builder {
  std::vector<cudnnBackendDescriptor_t>& owned;
  cudnnStatus_t st = CUDNN_STATUS_SUCCESS;

  cudnnBackendDescriptor_t make(cudnnBackendDescriptorType_t t) {
    cudnnBackendDescriptor_t d = nullptr;
    if (st == CUDNN_STATUS_SUCCESS) st = cudnnBackendCreateDescriptor(t, &d);
    if (d) owned.push_back(d);
    return d;
  }
  template <class T>
  void set(cudnnBackendDescriptor_t d, cudnnBackendAttributeName_t a, cudnnBackendAttributeType_t t, int64_t n,
           const T* v) {
    if (st == CUDNN_STATUS_SUCCESS) st = cudnnBackendSetAttribute(d, a, t, n, v);
  }
  void fin(cudnnBackendDescriptor_t d) {
    if (st == CUDNN_STATUS_SUCCESS) st = cudnnBackendFinalize(d);
  }
  // dims in NCHW order, strides of channel-last (or NCHW) storage.
  bool nchw = false;
  cudnnBackendDescriptor_t tensor(int64_t uid, cudnnDataType_t t, int64_t n, int64_t c, int64_t h, int64_t w,
                                  bool is_virtual) {
    cudnnBackendDescriptor_t d = make(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
    int64_t dims[4] = {n, c, h, w}, strides[4] = {h * w * c, 1, w * c, c}, align = 16;
    if (nchw) {
      strides[1] = h * w;
      strides[2] = w;
      strides[3] = 1;
    }
    bool v = is_virtual;
    set(d, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &t);
    set(d, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims);
    set(d, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides);
    set(d, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid);
    set(d, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &align);
    set(d, CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, 1, &v);
    fin(d);
    return d;
  }
  // clip (RELU_FWD only, > 0): the result clamped to [lower, clip] (a ReLU's lower is 0).
  cudnnBackendDescriptor_t pointwise(cudnnPointwiseMode_t mode, cudnnBackendDescriptor_t x,
                                     cudnnBackendDescriptor_t b, cudnnBackendDescriptor_t y, float clip = 0.f,
                                     float lower = 0.f) {
    cudnnBackendDescriptor_t pw = make(CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
    cudnnDataType_t prec = CUDNN_DATA_FLOAT;
    set(pw, CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1, &mode);
    set(pw, CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, 1, &prec);
    if (clip > 0.f) {
      set(pw, CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP, CUDNN_TYPE_FLOAT, 1, &lower);
      set(pw, CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP, CUDNN_TYPE_FLOAT, 1, &clip);
    }
    fin(pw);
    cudnnBackendDescriptor_t op = make(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR);
    set(op, CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &pw);
    set(op, CUDNN_ATTR_OPERATION_POINTWISE_XDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &x);
    if (b) set(op, CUDNN_ATTR_OPERATION_POINTWISE_BDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &b);
    set(op, CUDNN_ATTR_OPERATION_POINTWISE_YDESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &y);
    fin(op);
    return op;
  }
};

cudnnBackendDescriptor_t variant_pack(std::vector<cudnnBackendDescriptor_t>& owned, const GraphConvPtrs& p,
                                      bool bias, bool residual, bool scale, void* ws, cudnnStatus_t* st) {
  Builder b{owned};
  cudnnBackendDescriptor_t vp = b.make(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
  std::vector<int64_t> uids = {kX, kW, kY};
  std::vector<void*> ptrs = {const_cast<void*>(p.x), const_cast<void*>(p.w), p.y};
  if (bias) {
    uids.push_back(kB);
    ptrs.push_back(const_cast<void*>(p.bias));
  }
  if (residual) {
    uids.push_back(kZ);
    ptrs.push_back(const_cast<void*>(p.residual));
  }
  if (scale) {
    uids.push_back(kS);
    ptrs.push_back(const_cast<void*>(p.scale));
  }
  b.set(vp, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, static_cast<int64_t>(uids.size()), uids.data());
  b.set(vp, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, static_cast<int64_t>(ptrs.size()),
        ptrs.data());
  b.set(vp, CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &ws);
  b.fin(vp);
  *st = b.st;
  return vp;
}

// Whether an engine config's engine carries the tensor-core or
// down-convert numerical notes (for float data: TF32), or with
// `transforms`, the Winograd / FFT notes.
bool excluded_engine(std::vector<cudnnBackendDescriptor_t>& owned, cudnnBackendDescriptor_t cfg, bool tensor_cores,
                     bool transforms) {
  Builder b{owned};
  cudnnBackendDescriptor_t engine = b.make(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
  int64_t n = 0;
  if (b.st != CUDNN_STATUS_SUCCESS ||
      cudnnBackendGetAttribute(cfg, CUDNN_ATTR_ENGINECFG_ENGINE, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &n, &engine) !=
          CUDNN_STATUS_SUCCESS)
    return true;  // unknown: treat as not strict
  cudnnBackendNumericalNote_t notes[CUDNN_NUMERICAL_NOTE_TYPE_COUNT];
  int64_t count = 0;
  if (cudnnBackendGetAttribute(engine, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE, CUDNN_TYPE_NUMERICAL_NOTE,
                               CUDNN_NUMERICAL_NOTE_TYPE_COUNT, &count, notes) != CUDNN_STATUS_SUCCESS)
    return true;
  for (int64_t k = 0; k < count; ++k) {
    if (tensor_cores &&
        (notes[k] == CUDNN_NUMERICAL_NOTE_TENSOR_CORE || notes[k] == CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS))
      return true;
    if (transforms && (notes[k] == CUDNN_NUMERICAL_NOTE_FFT || notes[k] == CUDNN_NUMERICAL_NOTE_WINOGRAD ||
                       notes[k] == CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_4x4 ||
                       notes[k] == CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_6x6 ||
                       notes[k] == CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_13x13))
      return true;
  }
  return false;
}

}  // namespace

GraphConv::~GraphConv() {
  for (auto it = owned_.rbegin(); it != owned_.rend(); ++it) cudnnBackendDestroyDescriptor(*it);
}

bool GraphConv::build(cudnnHandle_t h, const GraphConvSpec& sp, const GraphConvPtrs& p, void* scratch,
                      size_t scratch_bytes, int max_plans, std::string* why, int only_config) {
  bias_ = sp.bias;
  residual_ = sp.residual && !sp.quantized;
  scale_ = sp.quantized;
  Builder b{owned_};
  b.nchw = sp.nchw;
  bool fused = sp.bias || residual_ || sp.relu || scale_ || sp.clip > 0.f;
  cudnnDataType_t vt = CUDNN_DATA_FLOAT;  // virtual intermediates stay in float
  const cudnnDataType_t xw = sp.quantized ? sp.in8 : sp.io;
  const cudnnDataType_t bt = sp.quantized ? CUDNN_DATA_FLOAT : sp.io;
  auto x = b.tensor(kX, xw, sp.n, sp.c, sp.h, sp.w, false);
  auto w = b.tensor(kW, xw, sp.k, sp.c / sp.groups, sp.r, sp.s, false);
  auto y = b.tensor(kY, sp.io, sp.n, sp.k, sp.oh, sp.ow, false);
  auto conv_out = fused ? b.tensor(kConvOut, vt, sp.n, sp.k, sp.oh, sp.ow, true) : y;
  auto conv = b.make(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  cudnnDataType_t comp = sp.quantized ? sp.comp8 : CUDNN_DATA_FLOAT;
  cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
  int64_t sdims = 2;
  b.set(conv, CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &comp);
  b.set(conv, CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1, &mode);
  b.set(conv, CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, 1, &sdims);
  b.set(conv, CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, 2, sp.dilation);
  b.set(conv, CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, 2, sp.stride);
  b.set(conv, CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, 2, sp.pad_pre);
  b.set(conv, CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, 2, sp.pad_post);
  b.fin(conv);
  std::vector<cudnnBackendDescriptor_t> ops;
  auto cop = b.make(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
  float alpha = 1.f, beta = 0.f;
  b.set(cop, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &x);
  b.set(cop, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &w);
  b.set(cop, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv_out);
  b.set(cop, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv);
  b.set(cop, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha);
  b.set(cop, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 1, &beta);
  b.fin(cop);
  ops.push_back(cop);
  // Epilogue chain: * scale, + bias, + residual, relu; the last op writes y.
  cudnnBackendDescriptor_t cur = conv_out;
  std::vector<int> steps;
  if (scale_) steps.push_back(3);
  if (sp.bias) steps.push_back(0);
  if (residual_) steps.push_back(1);
  if (sp.relu || sp.clip > 0.f) steps.push_back(2);  // a clamp without ReLU: lower clip -clip
  int64_t next_uid = kBiasOut;
  for (size_t i = 0; i < steps.size(); ++i) {
    bool last = i + 1 == steps.size();
    auto out = last ? y : b.tensor(next_uid++, vt, sp.n, sp.k, sp.oh, sp.ow, true);
    if (steps[i] == 0) ops.push_back(b.pointwise(CUDNN_POINTWISE_ADD, cur, b.tensor(kB, bt, 1, sp.k, 1, 1, false), out));
    if (steps[i] == 1) ops.push_back(b.pointwise(CUDNN_POINTWISE_ADD, cur, b.tensor(kZ, sp.io, sp.n, sp.k, sp.oh, sp.ow, false), out));
    if (steps[i] == 2)
      ops.push_back(b.pointwise(CUDNN_POINTWISE_RELU_FWD, cur, nullptr, out, sp.clip, sp.relu ? 0.f : -sp.clip));
    if (steps[i] == 3) ops.push_back(b.pointwise(CUDNN_POINTWISE_MUL, cur, b.tensor(kS, vt, 1, sp.k, 1, 1, false), out));
    cur = out;
  }
  auto graph = b.make(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  b.set(graph, CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, static_cast<int64_t>(ops.size()), ops.data());
  b.set(graph, CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &h);
  b.fin(graph);
  if (b.st != CUDNN_STATUS_SUCCESS) {
    if (why) *why = std::string("operation graph: ") + cudnnGetErrorString(b.st);
    return false;
  }
  // Engine configs from heuristics mode A; strict fp32 (few engines, no
  // runtime compilation) also times the fallback list, as PyTorch's
  // cudnn.benchmark does: mode A missed the fastest FMA engine for the
  // U-Net's sub-pixel convolutions (bench/NOTES-cuda.md v7).
  std::vector<cudnnBackendDescriptor_t> cfgs;
  std::vector<cudnnBackendHeurMode_t> modes = {CUDNN_HEUR_MODE_A};
  if (sp.more_heuristics) modes.push_back(CUDNN_HEUR_MODE_B);
  if (!sp.allow_tensor_cores || sp.more_heuristics) modes.push_back(CUDNN_HEUR_MODE_FALLBACK);
  for (cudnnBackendHeurMode_t hm : modes) {
    Builder hb{owned_};
    auto heur = hb.make(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
    hb.set(heur, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &graph);
    hb.set(heur, CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &hm);
    hb.fin(heur);
    int64_t count = 0;
    if (hb.st != CUDNN_STATUS_SUCCESS ||
        cudnnBackendGetAttribute(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count,
                                 nullptr) != CUDNN_STATUS_SUCCESS ||
        count <= 0)
      continue;
    std::vector<cudnnBackendDescriptor_t> got_cfgs(static_cast<size_t>(count));
    for (auto& c : got_cfgs) c = hb.make(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
    int64_t got = 0;
    if (hb.st != CUDNN_STATUS_SUCCESS ||
        cudnnBackendGetAttribute(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &got,
                                 got_cfgs.data()) != CUDNN_STATUS_SUCCESS)
      continue;
    cfgs.insert(cfgs.end(), got_cfgs.begin(), got_cfgs.begin() + got);
  }
  if (cfgs.empty()) {
    if (why) *why = "no engine";
    return false;
  }
  const int64_t got = static_cast<int64_t>(cfgs.size());
  const double budget_s = sp.budget_s > 0 ? sp.budget_s : sp.allow_tensor_cores ? 0.5 : 1.5;
  cudaStream_t stream = nullptr;
  cudnnGetStream(h, &stream);
  cudaEvent_t e0, e1;
  cudaEventCreate(&e0);
  cudaEventCreate(&e1);
  int tried = 0;
  // Runtime-compiled engines can take a second each to build: after the
  // first working plan, stop searching once half a second has gone.
  auto t0 = std::chrono::steady_clock::now();
  auto spent = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  for (int64_t i = 0; i < got && tried < max_plans && (tried == 0 || spent() < budget_s); ++i) {
    if (only_config >= 0 && i != only_config) continue;
    if ((!sp.allow_tensor_cores || !sp.allow_transforms) &&
        excluded_engine(owned_, cfgs[i], !sp.allow_tensor_cores, !sp.allow_transforms))
      continue;
    Builder pb{owned_};
    auto plan = pb.make(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
    pb.set(plan, CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &h);
    pb.set(plan, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &cfgs[i]);
    pb.fin(plan);
    if (pb.st != CUDNN_STATUS_SUCCESS) continue;
    int64_t ws = 0, n = 0;
    cudnnBackendGetAttribute(plan, CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, 1, &n, &ws);
    if (ws < 0 || static_cast<size_t>(ws) > scratch_bytes) continue;
    cudnnStatus_t vst;
    auto vp = variant_pack(owned_, p, bias_, residual_, scale_, scratch, &vst);
    if (vst != CUDNN_STATUS_SUCCESS) continue;
    if (cudnnBackendExecute(h, plan, vp) != CUDNN_STATUS_SUCCESS) continue;  // warm-up; also proves it runs
    ++tried;
    cudaEventRecord(e0, stream);
    for (int r = 0; r < 3; ++r) cudnnBackendExecute(h, plan, vp);
    cudaEventRecord(e1, stream);
    cudaEventSynchronize(e1);
    float ms = 0;
    cudaEventElapsedTime(&ms, e0, e1);
    ms /= 3;
    if (log_) log_(static_cast<int>(i), ms);
    if (!plan_ || ms < best_ms_) {
      plan_ = plan;
      chosen_ = static_cast<int>(i);
      ws_ = static_cast<size_t>(ws);
      best_ms_ = ms;
    }
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  cudaGetLastError();
  if (!plan_ && why) *why = "no engine config builds and runs";
  return plan_ != nullptr;
}

std::string GraphConv::serialize() const {
  if (!plan_) return "";
  int64_t n = 0;
  if (cudnnBackendGetAttribute(plan_, CUDNN_ATTR_EXECUTION_PLAN_JSON_REPRESENTATION, CUDNN_TYPE_CHAR, 0, &n,
                               nullptr) != CUDNN_STATUS_SUCCESS ||
      n <= 0)
    return "";
  std::string text(static_cast<size_t>(n), '\0');
  if (cudnnBackendGetAttribute(plan_, CUDNN_ATTR_EXECUTION_PLAN_JSON_REPRESENTATION, CUDNN_TYPE_CHAR, n, &n,
                               text.data()) != CUDNN_STATUS_SUCCESS)
    return "";
  text.resize(static_cast<size_t>(std::max<int64_t>(n, 0)));
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

bool GraphConv::load(cudnnHandle_t h, const GraphConvSpec& sp, const std::string& text, std::string* why) {
  Builder b{owned_};
  auto plan = b.make(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
  b.set(plan, CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &h);
  b.set(plan, CUDNN_ATTR_EXECUTION_PLAN_JSON_REPRESENTATION, CUDNN_TYPE_CHAR, static_cast<int64_t>(text.size()),
        text.data());
  b.fin(plan);
  int64_t ws = 0, n = 0;
  if (b.st == CUDNN_STATUS_SUCCESS)
    b.st = cudnnBackendGetAttribute(plan, CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, 1, &n, &ws);
  if (b.st != CUDNN_STATUS_SUCCESS || ws < 0) {
    if (why) *why = std::string("serialized plan refused: ") + cudnnGetErrorString(b.st);
    cudaGetLastError();
    return false;
  }
  bias_ = sp.bias;
  residual_ = sp.residual && !sp.quantized;
  scale_ = sp.quantized;
  plan_ = plan;
  ws_ = static_cast<size_t>(ws);
  chosen_ = -1;
  return true;
}

void GraphConv::execute(cudnnHandle_t h, const GraphConvPtrs& p, void* workspace) const {
  cudnnBackendDescriptor_t pack = nullptr;
  {
    std::lock_guard<std::mutex> lock(packs_mu_);
    for (const Pack& k : packs_)
      if (k.workspace == workspace && k.p.x == p.x && k.p.w == p.w && k.p.bias == p.bias &&
          k.p.residual == p.residual && k.p.scale == p.scale && k.p.y == p.y)
        pack = k.pack;
    if (!pack) {
      cudnnStatus_t st;
      auto& owned = const_cast<std::vector<cudnnBackendDescriptor_t>&>(owned_);
      pack = variant_pack(owned, p, bias_, residual_, scale_, workspace, &st);
      SEGRT_CUDNN_CHECK(st);
      packs_.push_back({p, workspace, pack});
    }
  }
  SEGRT_CUDNN_CHECK(cudnnBackendExecute(h, plan_, pack));
}

}  // namespace segrt::cuda
