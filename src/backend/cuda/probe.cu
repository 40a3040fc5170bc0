// The kernel-image probe (see probe.cuh): an empty kernel compiled with the
// same architectures as every other kernel of the build.
#include "backend/cuda/probe.cuh"

namespace segrt::cuda {

namespace {
__global__ void probe_kernel() {}
}  // namespace

cudaError_t probe_kernel_image() {
  cudaFuncAttributes attr{};
  return cudaFuncGetAttributes(&attr, probe_kernel);
}

}  // namespace segrt::cuda
