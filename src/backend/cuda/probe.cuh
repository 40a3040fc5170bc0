// Does this build carry code the current GPU can run? A build for other
// architectures (-DCMAKE_CUDA_ARCHITECTURES=90-real on an A100) loads, then
// fails at the first kernel launch; asking the runtime for one kernel's
// attributes finds that at start instead, where it can be named.
#pragma once
#include <cuda_runtime.h>

namespace segrt::cuda {

// cudaSuccess when the current device can run segrt's kernels (machine code
// for its architecture, or PTX it can JIT); cudaErrorNoKernelImageForDevice
// (or another error) when it cannot.
cudaError_t probe_kernel_image();

}  // namespace segrt::cuda
