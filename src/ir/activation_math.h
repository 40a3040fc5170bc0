// The scalar formula of every activation, written once (STYLE rule 12) and
// compiled both by the C++ compiler (reference kernels, CPU own loops, through
// segrt::Activation) and by nvcc (the CUDA kernels, through apply_act). No
// framework headers here: only <math.h> and the op list itself.
//
//   float y = act::apply(act::Kind::Selu, x, alpha, gamma);
//
// act::Name is the formula of the op SEGRT_ACT(Name) in ops.def; alpha / beta
// carry its parameters as segrt::Activation reads them (LeakyRelu, Elu,
// ThresholdedRelu, Celu: alpha; Selu: alpha, gamma in beta; HardSigmoid: alpha, beta;
// Clip: min, max; Gelu: alpha != 0 selects the tanh approximation).
// Functions of one float use the float libm calls (expf...), those that need
// the headroom compute in double, then round once: the device code computes the
// same expression as the host.
#pragma once
#include <math.h>

#if defined(__CUDACC__)
#define SEGRT_HD __host__ __device__ __forceinline__
#else
#define SEGRT_HD inline
#endif

namespace segrt::act {

// std::max / std::min's semantics (a NaN first operand comes back), usable on the device.
SEGRT_HD float max_of(float a, float b) { return a < b ? b : a; }
SEGRT_HD float min_of(float a, float b) { return b < a ? b : a; }

SEGRT_HD float Relu(float x, float, float) { return x > 0.f ? x : 0.f; }
SEGRT_HD float LeakyRelu(float x, float alpha, float) { return x >= 0.f ? x : alpha * x; }
SEGRT_HD float Elu(float x, float alpha, float) { return x >= 0.f ? x : alpha * (expf(x) - 1.f); }
SEGRT_HD float Selu(float x, float alpha, float gamma) { return gamma * (x > 0.f ? x : alpha * (expf(x) - 1.f)); }
SEGRT_HD float Sigmoid(float x, float, float) { return static_cast<float>(1.0 / (1.0 + exp(-static_cast<double>(x)))); }
SEGRT_HD float HardSigmoid(float x, float alpha, float beta) { return max_of(0.f, min_of(1.f, alpha * x + beta)); }
SEGRT_HD float HardSwish(float x, float, float) { return x * max_of(0.f, min_of(1.f, x / 6.f + 0.5f)); }
SEGRT_HD float Tanh(float x, float, float) { return tanhf(x); }
SEGRT_HD float Softplus(float x, float, float) {  // log(1 + e^x) without overflow
  double d = x;
  return static_cast<float>(log1p(exp(-fabs(d))) + (d > 0.0 ? d : 0.0));
}
SEGRT_HD float Softsign(float x, float, float) { return x / (1.f + fabsf(x)); }
SEGRT_HD float Gelu(float x, float tanh_approx, float) {
  double d = x;
  if (tanh_approx != 0.f) return static_cast<float>(0.5 * d * (1.0 + tanh(0.7978845608028654 * (d + 0.044715 * d * d * d))));
  return static_cast<float>(0.5 * d * (1.0 + erf(d / 1.4142135623730951)));
}
SEGRT_HD float Erf(float x, float, float) { return erff(x); }
SEGRT_HD float Exp(float x, float, float) { return expf(x); }
SEGRT_HD float Sqrt(float x, float, float) { return sqrtf(x); }
SEGRT_HD float Neg(float x, float, float) { return -x; }
SEGRT_HD float Abs(float x, float, float) { return fabsf(x); }
SEGRT_HD float Clip(float x, float lo, float hi) { return min_of(max_of(x, lo), hi); }
SEGRT_HD float ThresholdedRelu(float x, float alpha, float) { return x > alpha ? x : 0.f; }  // also Keras ReLU(threshold)
SEGRT_HD float Mish(float x, float, float) {  // x * tanh(softplus(x))
  double d = x;
  return static_cast<float>(d * tanh(log1p(exp(-fabs(d))) + (d > 0.0 ? d : 0.0)));
}
SEGRT_HD float Celu(float x, float alpha, float) {  // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
  return x >= 0.f ? x : alpha * (expf(x / alpha) - 1.f);
}

// One code per SEGRT_ACT line of ops.def; None (0) is "no activation".
enum class Kind : int {
  None,
#define SEGRT_OP(Name)
#define SEGRT_ACT(Name) Name,
#include "ir/ops.def"
#undef SEGRT_ACT
#undef SEGRT_OP
};

SEGRT_HD float apply(Kind k, float x, float alpha, float beta) {
  switch (k) {
#define SEGRT_OP(Name)
#define SEGRT_ACT(Name) \
  case Kind::Name: return Name(x, alpha, beta);
#include "ir/ops.def"
#undef SEGRT_ACT
#undef SEGRT_OP
    case Kind::None: break;
  }
  return x;
}

}  // namespace segrt::act
