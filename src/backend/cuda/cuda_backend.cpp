// The "cuda" backend: availability (device present, driver new enough, a chip
// of compute capability 7.5 or newer, the precision's generation gate), the op
// support question, and compilation into a CudaExecutable.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <algorithm>

#include "backend/backend.h"
#include "backend/cuda/capability.h"
#include "backend/cuda/cuda_exec.h"
#include "backend/cuda/probe.cuh"
#include "backend/ref/ref.h"

namespace segrt::cuda {

namespace {

class CudaBackend : public Backend {
 public:
  std::string name() const override { return "cuda"; }

  bool available(std::string* why) const override {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    auto say = [&](std::string s) {
      if (why) *why = std::move(s);
      return false;
    };
    if (e == cudaErrorNoDevice || (e == cudaSuccess && n == 0)) return say("no CUDA device");
    if (e == cudaErrorInsufficientDriver) {
      int drv = 0;
      cudaDriverGetVersion(&drv);
      if (drv == 0) return say("no CUDA device (no NVIDIA driver installed)");
      return say("the NVIDIA driver supports CUDA " + std::to_string(drv / 1000) + "." +
                 std::to_string(drv % 1000 / 10) + "; this segrt needs CUDA " +
                 std::to_string(CUDART_VERSION / 1000) + "." + std::to_string(CUDART_VERSION % 1000 / 10));
    }
    if (e != cudaSuccess) return say(std::string("CUDA cannot start: ") + cudaGetErrorString(e));
    // Usable when any device is new enough; available_for() judges the one asked for.
    std::string first_why;
    for (int d = 0; d < n; ++d) {
      cudaDeviceProp p{};
      if (cudaGetDeviceProperties(&p, d) != cudaSuccess) continue;
      std::string w;
      if (capability_ok(p.name, p.major, p.minor, "fp32", &w)) return true;
      if (first_why.empty()) first_why = w;
    }
    return say(first_why.empty() ? "cannot query any CUDA device" : first_why);
  }

  // Per device and precision: the generation gates (CUDA 13 starts at 7.5,
  // Turing; bf16 and tf32 tensor-core math start at 8.0, Ampere).
  bool available_for(const std::string& precision, int device, std::string* why) const override {
    if (!available(why)) return false;
    int n = 0;
    cudaGetDeviceCount(&n);
    if (device < 0 || device >= n) {
      if (why) *why = "CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(n) + " device(s))";
      return false;
    }
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, device) != cudaSuccess) {
      if (why) *why = "cannot query CUDA device " + std::to_string(device);
      return false;
    }
    if (!capability_ok(p.name, p.major, p.minor, precision, why)) return false;
    int current = 0;
    cudaGetDevice(&current);
    cudaSetDevice(device);
    cudaError_t img = probe_kernel_image();
    cudaSetDevice(current);
    if (img != cudaSuccess) {
      if (why)
        *why = std::string("this build has no code for ") + p.name + " (compute capability " + std::to_string(p.major) +
               "." + std::to_string(p.minor) + "): rebuild with -DCMAKE_CUDA_ARCHITECTURES=" +
               std::to_string(p.major) + std::to_string(p.minor) + " (" + cudaGetErrorString(img) + ")";
      return false;
    }
    return true;
  }

  std::string device_name() const override {
    cudaDeviceProp p{};
    int dev = 0;
    cudaGetDevice(&dev);
    if (cudaGetDeviceProperties(&p, dev) != cudaSuccess) return "no CUDA device";
    return p.name;
  }

  // Every op with a CUDA builder runs on the GPU; the rest run through the
  // reference kernel on the host (listed by --verbose and in docs/ops.md).
  bool supports(const Graph&, const Node& n, std::string* why) const override {
    if (builder(n.op) || ref::kernel(n.op)) return true;
    if (why) *why = std::string("no CUDA or host kernel for ") + op_name(n.op);
    return false;
  }

  // The 8-bit ops have kernels for the forms calibrated models make (int8,
  // per tensor, zero point 0: ops_quantize.cpp); their other forms run on
  // the host, so the op tester holds them to the host as ONNX-coverage ops.
  bool has_own_kernel(OpType op) const override {
    if (op == OpType::QuantizeLinear || op == OpType::DequantizeLinear || op == OpType::QLinearConv) return false;
    return builder(op) != nullptr;
  }
  // int8 activations only (cuDNN's integer convolutions take signed input);
  // fewer than 128 channels stay fp16: on the H200 cuDNN 9.19's best int8
  // engine ran 64-channel 3x3 layers 1.25x slower than fp16, 128 and more
  // 1.75-1.9x faster (bench/NOTES-cuda.md v16). knobs.cuda_int8_min_channels overrides it.
  // Symmetric pads only: the int8 convolution (ops_quantize.cpp) makes no
  // padded copy, and the U-Net's padded up-convolutions (nearest 2x + 'same'
  // 2x2) run as fp16 sub-pixel convolutions here (fold_upsample_conv).
  // 8-bit skip connections (int8 MaxPool, nearest Resize, Concat by bytes)
  // unless knobs.cuda_int8_data_movement = 0 (the CLI's SEGRT_CUDA_INT8_MOVE=0):
  // on the H200 they took the peer U-Net from 11.60 to 10.97 ms at 512x512x16
  // (bench/NOTES-cuda.md v18), the membrane U-Net's agreement 99.926 -> 99.921 %.
  // fp8 tables: e4m3 convolutions on cuDNN's fp8 engines where the GPU has
  // fp8 tensor cores (compute capability 8.9: Ada, Hopper and later); on older
  // GPUs their Q/DQ run on the device around float convolutions (the simulation).
  QuantPrefs quant_prefs(const BackendKnobs& knobs, int device) const override {
    // Two attributes, not cudaGetDeviceProperties (which queries them all): this runs at every compile.
    int major = 0, minor = 0;
    const bool fp8 = available(nullptr) &&
                     cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess &&
                     cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device) == cudaSuccess &&
                     capability_ok("", major, minor, "fp8", nullptr);
    return {.signed_activations = true,
            .min_channels = knobs.cuda_int8_min_channels >= 0 ? knobs.cuda_int8_min_channels : 128,
            .int8_data_movement = knobs.cuda_int8_data_movement != 0,
            .symmetric_pads_only = true,
            .fp8_convolutions = fp8};
  }

  // Nearest 2x upsample + 'same' Conv as a sub-pixel Conv + DepthToSpace
  // (knobs.cuda_subpixel = false, the CLI's SEGRT_CUDA_NO_SUBPIXEL=1, keeps the model's form).
  void rewrite(Graph& g, const CompileOptions& opts, PassLog& log) const override {
    if (opts.knobs.cuda_subpixel) fold_upsample_conv(g, log);
  }

  std::unique_ptr<Executable> compile(const Graph& g, const CompileOptions& opts) override {
    std::string why;
    SEGRT_CHECK(available(&why), Device, "CUDA backend unavailable: ", why);
    int count = 0;
    SEGRT_CUDA_CHECK(cudaGetDeviceCount(&count));
    SEGRT_CHECK(opts.device >= 0 && opts.device < count, InvalidInput, "--device ", opts.device,
                " does not exist (", count, " CUDA device(s))");
    SEGRT_CHECK(available_for(opts.precision, opts.device, &why), Device, "CUDA backend: ", why);
    Graph r = g;
    PassLog log;
    rewrite(r, opts, log);
    for (const auto& l : log.lines) opts.say(LogLevel::Debug, "cuda: " + l);
    auto exe = std::make_unique<CudaExecutable>(r, opts, weights_);
    exe->report.rewrites = log.lines;
    exe->init();
    return exe;
  }

  // Tuning choices depend on the chip and on cuDNN's engines.
  std::string device_key(int device) const override {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, device) != cudaSuccess) return "cuda ?";
    return std::string("cuda ") + p.name + " cc" + std::to_string(p.major) + "." + std::to_string(p.minor) +
           " cudnn " + std::to_string(cudnnGetVersion()) + " cudart " + std::to_string(CUDART_VERSION);
  }

  void* device_alloc(size_t bytes, int device) override {
    SEGRT_CUDA_CHECK(cudaSetDevice(device));
    void* p = nullptr;
    SEGRT_CUDA_CHECK(cudaMalloc(&p, std::max<size_t>(bytes, 1)));
    return p;
  }
  void device_free(void* p, int device) override {
    cudaSetDevice(device);
    cudaFree(p);
  }
  void device_copy(void* dst, const void* src, size_t bytes, bool to_device, int device) override {
    SEGRT_CUDA_CHECK(cudaSetDevice(device));
    SEGRT_CUDA_CHECK(cudaMemcpy(dst, src, bytes, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost));
  }
  // The driver context and the libraries' first handles cost a few hundred
  // milliseconds; Engine::load pays them while the model file is parsed.
  // Failures here are left for the compile to report with context.
  void warm_up(int device) override {
    if (cudaSetDevice(device) != cudaSuccess || cudaFree(nullptr) != cudaSuccess) {
      cudaGetLastError();
      return;
    }
    cudnnHandle_t dnn = nullptr;
    if (cudnnCreate(&dnn) == CUDNN_STATUS_SUCCESS) cudnnDestroy(dnn);
    cublasHandle_t blas = nullptr;
    if (cublasCreate(&blas) == CUBLAS_STATUS_SUCCESS) cublasDestroy(blas);
  }
  void* host_alloc(size_t bytes, int device) override {
    SEGRT_CUDA_CHECK(cudaSetDevice(device));
    void* p = nullptr;
    SEGRT_CUDA_CHECK(cudaHostAlloc(&p, std::max<size_t>(bytes, 1), cudaHostAllocPortable));
    return p;
  }
  void host_free(void* p, int) override { cudaFreeHost(p); }

 private:
  // Weights uploaded once per device for every plan this backend (engine) compiles.
  std::shared_ptr<WeightCache> weights_ = std::make_shared<WeightCache>();
};

}  // namespace

bool capability_ok(const std::string& gpu_name, int major, int minor, const std::string& precision,
                   std::string* why) {
  int cc = major * 10 + minor;
  std::string cc_str = std::to_string(major) + "." + std::to_string(minor);
  if (cc < 75) {
    if (why) *why = gpu_name + " has compute capability " + cc_str + "; segrt (CUDA 13) needs 7.5 (Turing) or newer";
    return false;
  }
  if ((precision == "bf16" || precision == "tf32") && cc < 80) {
    if (why)
      *why = "--precision " + precision + " needs compute capability 8.0 (Ampere) or newer; " + gpu_name + " has " +
             cc_str + " (use fp16 or fp32)";
    return false;
  }
  if (precision == "fp8" && cc < 89) {
    if (why)
      *why = "fp8 convolutions need compute capability 8.9 (Ada) or newer; " + gpu_name + " has " + cc_str +
             " (fp8 tables run their Q/DQ around fp16 convolutions there)";
    return false;
  }
  return true;
}

namespace {
const bool registered = register_backend("cuda", [] { return std::unique_ptr<Backend>(new CudaBackend); });

}  // namespace
}  // namespace segrt::cuda
