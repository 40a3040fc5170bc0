// Plain types shared by the CUDA kernels (.cu) and the host code that launches
// them: storage types, activation codes and small by-value argument structs.
// No segrt headers here, so nvcc never compiles the framework.
#pragma once
#include <cstdint>

#include <cuda_runtime.h>

namespace segrt::cuda {

// Element storage on the device: activations live in the compute type
// (f32 / f16 / bf16); i64 for indices (ArgMax).
enum class DevType : int { f32, f16, bf16, i64 };

// Activation codes; alpha/beta carry the parameters exactly as
// segrt::Activation does (Selu: alpha, gamma in beta; Clip: min, max;
// Gelu: alpha != 0 means the tanh approximation).
enum class ActKind : int {
  None, Relu, LeakyRelu, Elu, Selu, Sigmoid, HardSigmoid, HardSwish, Tanh, Softplus,
  Softsign, Gelu, Erf, Exp, Sqrt, Neg, Abs, Clip
};
struct Act {
  ActKind kind = ActKind::None;
  float alpha = 0.f, beta = 0.f;
};

constexpr int kMaxDims = 6;

// A view for index arithmetic: `dims` of the tensor being produced, and the
// element stride of a source for each of those dims (0 where it broadcasts).
struct Strides {
  int rank = 0;
  int64_t dims[kMaxDims] = {};
  int64_t in[kMaxDims] = {};
};

}  // namespace segrt::cuda
