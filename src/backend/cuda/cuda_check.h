// Checked CUDA / cuDNN / cuBLAS calls: a failure becomes a segrt::Error of
// kind Device (OutOfMemory for allocation failures) naming the call, the file
// and the line.
#pragma once
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "segrt/error.h"

namespace segrt::cuda {

[[noreturn]] void fail_cuda(cudaError_t e, const char* call, const char* file, int line);
[[noreturn]] void fail_cudnn(cudnnStatus_t e, const char* call, const char* file, int line);
[[noreturn]] void fail_cublas(cublasStatus_t e, const char* call, const char* file, int line);

}  // namespace segrt::cuda

#define SEGRT_CUDA_CHECK(call)                                                               \
  do {                                                                                       \
    cudaError_t segrt_e_ = (call);                                                           \
    if (segrt_e_ != cudaSuccess) ::segrt::cuda::fail_cuda(segrt_e_, #call, __FILE__, __LINE__); \
  } while (0)
#define SEGRT_CUDNN_CHECK(call)                                                                      \
  do {                                                                                               \
    cudnnStatus_t segrt_e_ = (call);                                                                 \
    if (segrt_e_ != CUDNN_STATUS_SUCCESS) ::segrt::cuda::fail_cudnn(segrt_e_, #call, __FILE__, __LINE__); \
  } while (0)
#define SEGRT_CUBLAS_CHECK(call)                                                                       \
  do {                                                                                                 \
    cublasStatus_t segrt_e_ = (call);                                                                  \
    if (segrt_e_ != CUBLAS_STATUS_SUCCESS) ::segrt::cuda::fail_cublas(segrt_e_, #call, __FILE__, __LINE__); \
  } while (0)
// After a kernel launch: reports a bad configuration or an earlier async fault.
#define SEGRT_CUDA_LAUNCHED() SEGRT_CUDA_CHECK(cudaGetLastError())
