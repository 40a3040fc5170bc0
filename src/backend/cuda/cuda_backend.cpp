// The "cuda" backend: availability (device present, driver new enough, a chip
// this build has code for), the op support question, and compilation into a
// CudaExecutable.
#include <cuda_runtime.h>
#include <cudnn.h>

#include <algorithm>

#include "backend/backend.h"
#include "backend/cuda/cuda_exec.h"
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
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) return say("cannot query CUDA device 0");
    if (p.major < 9)
      return say(std::string(p.name) + " has compute capability " + std::to_string(p.major) + "." +
                 std::to_string(p.minor) + "; this build carries code for 9.0 (Hopper) and newer");
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

  std::unique_ptr<Executable> compile(const Graph& g, const CompileOptions& opts) override {
    std::string why;
    SEGRT_CHECK(available(&why), Device, "CUDA backend unavailable: ", why);
    int count = 0;
    SEGRT_CUDA_CHECK(cudaGetDeviceCount(&count));
    SEGRT_CHECK(opts.device >= 0 && opts.device < count, InvalidInput, "--device ", opts.device,
                " does not exist (", count, " CUDA device(s))");
    auto exe = std::make_unique<CudaExecutable>(g, opts, weights_);
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

 private:
  // Weights uploaded once per device for every plan this backend (engine) compiles.
  std::shared_ptr<WeightCache> weights_ = std::make_shared<WeightCache>();
};

const bool registered = register_backend("cuda", [] { return std::unique_ptr<Backend>(new CudaBackend); });

}  // namespace
}  // namespace segrt::cuda
