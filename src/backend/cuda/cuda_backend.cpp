// The "cuda" backend: availability (device present, driver new enough, a chip
// this build has code for), the op support question, and compilation into a
// CudaExecutable.
#include <cuda_runtime.h>

#include <cstdlib>
#include <iostream>

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

  // Nearest 2x upsample + 'same' Conv as a sub-pixel Conv + DepthToSpace
  // (SEGRT_CUDA_NO_SUBPIXEL=1 keeps the model's form).
  void rewrite(Graph& g, const CompileOptions&, PassLog& log) const override {
    if (!std::getenv("SEGRT_CUDA_NO_SUBPIXEL")) fold_upsample_conv(g, log);
  }

  std::unique_ptr<Executable> compile(const Graph& g, const CompileOptions& opts) override {
    std::string why;
    SEGRT_CHECK(available(&why), Device, "CUDA backend unavailable: ", why);
    int count = 0;
    SEGRT_CUDA_CHECK(cudaGetDeviceCount(&count));
    SEGRT_CHECK(opts.device >= 0 && opts.device < count, InvalidInput, "--device ", opts.device,
                " does not exist (", count, " CUDA device(s))");
    Graph r = g;
    PassLog log;
    rewrite(r, opts, log);
    if (opts.verbose)
      for (const auto& l : log.lines) std::cerr << "segrt: cuda: " << l << "\n";
    auto exe = std::make_unique<CudaExecutable>(r, opts);
    exe->init();
    return exe;
  }
};

const bool registered = register_backend("cuda", [] { return std::unique_ptr<Backend>(new CudaBackend); });

}  // namespace
}  // namespace segrt::cuda
