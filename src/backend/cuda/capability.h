// Which NVIDIA GPU generations segrt's CUDA backend runs on, and what each can
// compute: a pure function of the device's name and compute capability, so
// the rule is tested without a GPU (tests/cuda/cuda_capability_test.cpp).
#pragma once
#include <string>

namespace segrt::cuda {

// CUDA 13 (and so segrt) starts at compute capability 7.5 (Turing); bf16 and
// tf32 tensor-core math start at 8.0 (Ampere); fp8 ("fp8": e4m3 convolutions
// for fp8 tables) at 8.9 (Ada); fp32 and fp16 run everywhere.
// False with a reason naming the GPU and the requirement.
bool capability_ok(const std::string& gpu_name, int major, int minor, const std::string& precision,
                   std::string* why);

}  // namespace segrt::cuda
