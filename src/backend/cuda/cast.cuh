// Cast between every element type segrt stores on the device, with the
// reference's rules (backend/ref/cast.cpp): to an integer, floats truncate
// toward zero and saturate (NaN -> 0) while integers wrap; to bool, "!= 0";
// to a float, integers convert exactly where the type can hold them.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

// A float result may be stored wider than the model's type (every float of
// an fp32 plan is float32): round it through the model's type first, so that
// Cast(to=FLOAT16) in an fp32 plan gives what the reference gives.
enum class RoundTo : int { None, F16, BF16 };

// out[o] = cast(in[sum_d idx_d(o) * st.in[d]]) over st.dims; out is dense.
void launch_cast(const void* in, DevType tin, void* out, DevType tout, const Strides& st, RoundTo round,
                 cudaStream_t s);

}  // namespace segrt::cuda
