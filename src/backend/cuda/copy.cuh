// Strided copy with element-type conversion: layout conversion at graph
// boundaries (NCHW f32 <-> NHWC f16...), Transpose, Slice, Expand, Split,
// DepthToSpace, and writes into channel slices of a concatenation buffer.
#pragma once
#include "backend/cuda/kernel_types.cuh"

namespace segrt::cuda {

// out[o] = convert(in[sum_d idx_d(o) * st.in[d]]) over out's dims st.dims,
// where out itself is addressed with out_strides (nullptr: contiguous).
void launch_strided_copy(const void* in, DevType tin, void* out, DevType tout, const Strides& st,
                         const int64_t* out_strides, cudaStream_t s);
// Fills n elements with v (converted to t).
void launch_fill(void* out, DevType t, int64_t n, float v, cudaStream_t s);

}  // namespace segrt::cuda
