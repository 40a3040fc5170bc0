// Plain types shared by the CUDA kernels (.cu) and the host code that launches
// them: storage types, activation codes and small by-value argument structs.
// No framework headers here (activation_math.h is plain math), so nvcc never
// compiles the framework.
#pragma once
#include <cstdint>

#include <cuda_runtime.h>

#include "ir/activation_math.h"

namespace segrt::cuda {

// Element storage on the device: activations live in the compute type
// (f32 / f16 / bf16); i64 for indices (ArgMax). The other integer types, bool
// (one byte, 0 or 1) and f64 (graph inputs only: float values are stored in
// the compute type) are moved by size and converted by Cast (cast.cuh).
// e4m3: float8 e4m3fn as its bytes (fp8 tables: QuantizeLinear writes it, the
// fp8 convolutions read it; storage_dtype in cuda_exec.h).
enum class DevType : int { f32, f16, bf16, i64, i32, i8, u8, b8, f64, e4m3 };

constexpr int dev_size(DevType t) {
  return t == DevType::f32 || t == DevType::i32 ? 4
         : t == DevType::i64 || t == DevType::f64 ? 8
         : t == DevType::f16 || t == DevType::bf16 ? 2
                                                   : 1;
}

// Activation codes, one per SEGRT_ACT line of ops.def (ir/activation_math.h,
// which holds the formulas and, like this file, includes no framework header);
// alpha/beta carry the parameters exactly as segrt::Activation does.
using ActKind = act::Kind;
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
