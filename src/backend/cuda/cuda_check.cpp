// Error construction for the checked CUDA / cuDNN / cuBLAS calls.
#include "backend/cuda/cuda_check.h"

#include <string>

namespace segrt::cuda {

namespace {
std::string where(const char* call, const char* file, int line) {
  std::string f = file;
  auto p = f.rfind("src/");
  return std::string(call) + " at " + (p == std::string::npos ? f : f.substr(p)) + ":" + std::to_string(line);
}
}  // namespace

void fail_cuda(cudaError_t e, const char* call, const char* file, int line) {
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear the sticky-free error so the engine stays usable
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    SEGRT_FAIL(OutOfMemory, "out of GPU memory (", free_b >> 20, " MiB free of ", total_b >> 20, " MiB) in ",
               where(call, file, line));
  }
  SEGRT_FAIL(Device, "CUDA error ", cudaGetErrorName(e), " (", cudaGetErrorString(e), ") in ", where(call, file, line));
}

void fail_cudnn(cudnnStatus_t e, const char* call, const char* file, int line) {
  if (e == CUDNN_STATUS_ALLOC_FAILED) SEGRT_FAIL(OutOfMemory, "cuDNN ran out of GPU memory in ", where(call, file, line));
  SEGRT_FAIL(Device, "cuDNN error ", cudnnGetErrorString(e), " in ", where(call, file, line));
}

void fail_cublas(cublasStatus_t e, const char* call, const char* file, int line) {
  if (e == CUBLAS_STATUS_ALLOC_FAILED) SEGRT_FAIL(OutOfMemory, "cuBLAS ran out of GPU memory in ", where(call, file, line));
  SEGRT_FAIL(Device, "cuBLAS error ", cublasGetStatusName(e), " (", cublasGetStatusString(e), ") in ",
             where(call, file, line));
}

}  // namespace segrt::cuda
