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

}  // namespace segrt::cuda

namespace segrt::cuda {

// 2-D copy of `rows` rows of `row_bytes` each between pitched buffers, with
// the widest access (16, 8, 4, 2 or 1 bytes) that every address allows.
// cudaMemcpy2DAsync is slow for the narrow rows of a channel concatenation.
void launch_copy_rows(const void* src, size_t src_pitch, void* dst, size_t dst_pitch, size_t row_bytes, int64_t rows,
                      cudaStream_t s);

}  // namespace segrt::cuda

namespace segrt::cuda {

// Pixel shuffle (DepthToSpace, DCR) on channel-last data: in [n, h, w, b*b*co]
// -> out pixel (n, h*b+i, w*b+j) gets channels [(i*b+j)*co, +co). Output
// pixels are `out_pitch` elements apart, so the result can land straight in
// a channel slice of a concatenation buffer.
void launch_pixel_shuffle_nhwc(const void* in, void* out, DevType t, int64_t n, int64_t h, int64_t w, int64_t co,
                               int64_t block, int64_t out_pitch, cudaStream_t s);
// The same on NCHW data (strict fp32): in [n, b*b*co, h, w] -> out
// [n, co, h*b, w*b], out[n, c, h*b+i, w*b+j] = in[n, (i*b+j)*co + c, h, w].
// Images are `out_batch_pitch` elements apart, so the result can land in a
// channel slice of a concatenation buffer.
void launch_pixel_shuffle_nchw(const void* in, void* out, DevType t, int64_t n, int64_t h, int64_t w, int64_t co,
                               int64_t block, int64_t out_batch_pitch, cudaStream_t s);

}  // namespace segrt::cuda
