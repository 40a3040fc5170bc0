// Strided copy with type conversion (see copy.cuh).
#include "backend/cuda/copy.cuh"
#include "backend/cuda/cast.cuh"
#include "backend/cuda/device_util.cuh"

namespace segrt::cuda {

namespace {

struct OutStrides {
  int64_t s[kMaxDims];
};

template <class TI, class TO>
__global__ void strided_copy_kernel(const TI* in, TO* out, Strides st, OutStrides os, bool dense_out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i, oi = 0, oo = 0;
    for (int d = st.rank - 1; d >= 0; --d) {
      int64_t idx = r % st.dims[d];
      r /= st.dims[d];
      oi += idx * st.in[d];
      oo += idx * os.s[d];
    }
    TO* dst = out + (dense_out ? i : oo);
    if constexpr (std::is_same_v<TI, TO>)
      *dst = in[oi];
    else
      *dst = from_f<TO>(to_f(in[oi]));
  }
}

// A copy whose source is read in order (the model's input or output with one
// channel changing format, a reshape): no index arithmetic. The strided
// kernel's divisions held the U-Net's [16,1,512,512] input conversion to a
// fifth of the H200's bandwidth (0.14 ms, bench/NOTES-cuda.md v18).
template <class TI, class TO>
__global__ void dense_copy_kernel(const TI* in, TO* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    if constexpr (std::is_same_v<TI, TO>)
      out[i] = in[i];
    else
      out[i] = from_f<TO>(to_f(in[i]));
  }
}

// Whether st reads its source in row-major order of dims (unit dims aside).
bool reads_in_order(const Strides& st) {
  int64_t expect = 1;
  for (int d = st.rank - 1; d >= 0; --d) {
    if (st.dims[d] != 1 && st.in[d] != expect) return false;
    expect *= st.dims[d];
  }
  return true;
}

template <class V>
__global__ void copy_rows_kernel(const char* src, size_t sp, char* dst, size_t dp, int64_t per_row, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i / per_row, c = i - r * per_row;
    *reinterpret_cast<V*>(dst + r * dp + c * sizeof(V)) = *reinterpret_cast<const V*>(src + r * sp + c * sizeof(V));
  }
}

// One thread per vector of channels of one output pixel.
template <class V>
__global__ void pixel_shuffle_kernel(const char* in, char* out, int64_t h, int64_t w, int64_t b,
                                     int64_t row_bytes, int64_t out_pitch_bytes, int64_t vec_per_pixel, int64_t n) {
  int64_t ow_n = w * b, oh_n = h * b;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t v = i % vec_per_pixel, pix = i / vec_per_pixel;
    int64_t ow = pix % ow_n, t = pix / ow_n;
    int64_t oh = t % oh_n, bn = t / oh_n;
    int64_t phase = (oh % b) * b + (ow % b);
    // row_bytes: one phase's channels (co elements); a source pixel holds b*b of them.
    const char* s = in + ((bn * h + oh / b) * w + ow / b) * (row_bytes * b * b) + phase * row_bytes + v * sizeof(V);
    char* d = out + pix * out_pitch_bytes + v * sizeof(V);
    *reinterpret_cast<V*>(d) = *reinterpret_cast<const V*>(s);
  }
}

// NCHW: one thread per input column of one output row; it writes that
// column's b output pixels (adjacent: the warp's stores stay contiguous).
template <class T>
__global__ void pixel_shuffle_nchw_kernel(const T* in, T* out, int64_t h, int64_t w, int64_t co, int64_t b,
                                          int64_t out_batch_pitch, int64_t n) {
  int64_t oh_n = h * b, ow_n = w * b;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t iw = i % w, r = i / w;
    int64_t oh = r % oh_n;
    r /= oh_n;
    int64_t c = r % co, bn = r / co;
    int64_t ii = oh % b, ih = oh / b;
    const T* src = in + ((bn * b * b * co + ii * b * co + c) * h + ih) * w + iw;  // channel (ii*b + j)*co + c
    T* dst = out + bn * out_batch_pitch + (c * oh_n + oh) * ow_n + iw * b;
    for (int64_t j = 0; j < b; ++j) dst[j] = src[j * co * h * w];
  }
}

}  // namespace

void launch_pixel_shuffle_nchw(const void* in, void* out, DevType t, int64_t n, int64_t h, int64_t w, int64_t co,
                               int64_t block, int64_t out_batch_pitch, cudaStream_t s) {
  int64_t total = n * co * h * block * w;
  if (total == 0) return;
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    pixel_shuffle_nchw_kernel<T><<<blocks_for(total, 256), 256, 0, s>>>(
        static_cast<const T*>(in), static_cast<T*>(out), h, w, co, block, out_batch_pitch, total);
  });
}

void launch_pixel_shuffle_nhwc(const void* in, void* out, DevType t, int64_t n, int64_t h, int64_t w, int64_t co,
                               int64_t block, int64_t out_pitch, cudaStream_t s) {
  size_t es = t == DevType::f32 ? 4 : t == DevType::i64 ? 8 : 2;
  size_t row = static_cast<size_t>(co) * es, pitch = static_cast<size_t>(out_pitch) * es;
  size_t all = reinterpret_cast<size_t>(in) | reinterpret_cast<size_t>(out) | row | pitch;
  int64_t pixels = n * h * block * w * block;
  if (pixels == 0 || co == 0) return;
  auto go = [&](auto v) {
    using V = decltype(v);
    int64_t per = static_cast<int64_t>(row / sizeof(V)), total = per * pixels;
    pixel_shuffle_kernel<V><<<blocks_for(total, 256), 256, 0, s>>>(static_cast<const char*>(in), static_cast<char*>(out),
                                                                   h, w, block,
                                                                   static_cast<int64_t>(row),
                                                                   static_cast<int64_t>(pitch), per, total);
  };
  if (all % 16 == 0) go(uint4{});
  else if (all % 8 == 0) go(uint2{});
  else if (all % 4 == 0) go(uint32_t{});
  else go(uint16_t{});
}

void launch_copy_rows(const void* src, size_t src_pitch, void* dst, size_t dst_pitch, size_t row_bytes, int64_t rows,
                      cudaStream_t s) {
  if (rows == 0 || row_bytes == 0) return;
  size_t all = reinterpret_cast<size_t>(src) | reinterpret_cast<size_t>(dst) | src_pitch | dst_pitch | row_bytes;
  auto go = [&](auto v) {
    using V = decltype(v);
    int64_t per_row = static_cast<int64_t>(row_bytes / sizeof(V)), n = per_row * rows;
    copy_rows_kernel<V><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const char*>(src), src_pitch,
                                                            static_cast<char*>(dst), dst_pitch, per_row, n);
  };
  if (all % 16 == 0) go(uint4{});
  else if (all % 8 == 0) go(uint2{});
  else if (all % 4 == 0) go(uint32_t{});
  else if (all % 2 == 0) go(uint16_t{});
  else go(uint8_t{});
}

void launch_strided_copy(const void* in, DevType tin, void* out, DevType tout, const Strides& st,
                         const int64_t* out_strides, cudaStream_t s) {
  int64_t n = 1;
  for (int d = 0; d < st.rank; ++d) n *= st.dims[d];
  if (n == 0) return;
  OutStrides os{};
  auto basic = [](DevType t) { return t == DevType::f32 || t == DevType::f16 || t == DevType::bf16 || t == DevType::i64; };
  if (tin == tout && !basic(tin)) {  // other integer types, bool: moved by size
    DevType as = dev_size(tin) == 8 ? DevType::i64 : dev_size(tin) == 4 ? DevType::f32 : DevType::f16;
    if (dev_size(tin) != 1) return launch_strided_copy(in, as, out, as, st, out_strides, s);
  }
  // Conversions involving them (staging of int32 / bool / float64 graph inputs
  // and outputs) always write densely.
  if (!basic(tin) || !basic(tout))
    return launch_cast(in, tin, out, tout, st, RoundTo::None, s);
  if (out_strides)
    for (int d = 0; d < st.rank; ++d) os.s[d] = out_strides[d];
  const bool dense = !out_strides && reads_in_order(st);
  dispatch_float(tin, [&](auto a) {
    dispatch_float(tout, [&](auto b) {
      using TI = decltype(a);
      using TO = decltype(b);
      if (dense) {
        dense_copy_kernel<TI, TO><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const TI*>(in), static_cast<TO*>(out), n);
        return;
      }
      strided_copy_kernel<TI, TO><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const TI*>(in), static_cast<TO*>(out),
                                                                      st, os, out_strides == nullptr, n);
    });
  });
}

}  // namespace segrt::cuda
