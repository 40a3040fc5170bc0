// The state of one cuDNN convolution step, shared by the builders (conv.cpp
// for 1-D/2-D, conv3d.cpp) and the algorithm choice and run (conv_algo.cpp).
#pragma once
#include <memory>
#include <string>

#include "backend/cuda/conv_graph.h"
#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/pad.cuh"

namespace segrt::cuda {

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

inline cudnnMathType_t wanted_math(const std::string& precision) {
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
  float* scale_dev = nullptr;  // 8-bit (spec.quantized): float32 per-channel scale
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
  std::unique_ptr<GraphConv> preloaded;  // from the tuning cache by preload_conv, taken by prepare
  bool graph_plain = false;    // the graph is the convolution alone: epilogue after it
};

inline void set_4d(cudnnTensorDescriptor_t d, bool nchw, cudnnDataType_t t, int64_t n, int64_t c, int64_t h, int64_t w) {
  SEGRT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, nchw ? CUDNN_TENSOR_NCHW : CUDNN_TENSOR_NHWC, t, static_cast<int>(n),
                                               static_cast<int>(c), static_cast<int>(h), static_cast<int>(w)));
}

inline cudnnDataType_t cudnn_type(DType t) {
  return t == DType::f16 ? CUDNN_DATA_HALF : t == DType::bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
}

// knobs.cuda_winograd = false: no Winograd or FFT algorithms (conv_algo.cpp says why).
inline bool no_transforms(const CudaExecutable& ex) { return !ex.opts().knobs.cuda_winograd; }

// Bias uploaded in the compute type and, when the model has one, float32.
void upload_bias(BuildCtx& c, ConvStep& cs, int64_t K);
// The step's prepare(): fp32 times the graph API against the legacy one;
// fp16/bf16 take the graph API when it builds (unless 3-D), else cudnnFind.
void prepare_conv(CudaExecutable& ex, ConvStep& cs, const std::string& precision);
// The step's preload(): a serialized plan from the tuning cache deserialized
// with the worker's handle h (fp16 / bf16 graph-API steps); nothing otherwise.
void preload_conv(CudaExecutable& ex, ConvStep& cs, cudnnHandle_t h);
// The step's run(): the chosen path, then the epilogue where it is needed.
void run_conv(CudaExecutable& ex, ConvStep& cs, cudaStream_t s);

// The sizes of a 2-D (or 1-D, as a unit H axis) Conv / ConvTranspose.
struct Conv2d {
  int64_t N, C, H, W, K, OH, OW, group;
  int64_t IH, IW;  // the input as convolved: H, W plus asymmetric Conv pads (a padded copy)
  int kh, kw;
  int sh, sw, dh, dw, pad_t, pad_l, pad_b, pad_r;
  int ph, pw;      // the symmetric pads cuDNN is given
  bool nhwc_attr;  // the IR value is channel-last
};

// Sizes of node c.n with input xi, constant weights wi and bias bi (Conv,
// ConvTranspose, QLinearConv); false when cuDNN cannot compute it (the
// executable then runs it on the host).
bool conv2d_sizes(BuildCtx& c, Conv2d* d, int xi, int wi, int bi);
// The algorithm-cache key: everything the choice depends on.
std::string conv2d_key(const BuildCtx& c, const ConvStep& cs, const Conv2d& d, int64_t d0, int64_t d1);
// fp16 / bf16 (and 8-bit): the cuDNN graph (conv + bias + residual + ReLU in one plan).
GraphConvSpec graph_spec(const BuildCtx& c, const ConvStep& cs, const Conv2d& d, cudnnDataType_t dt);

bool build_conv3d(BuildCtx& c);

}  // namespace segrt::cuda
