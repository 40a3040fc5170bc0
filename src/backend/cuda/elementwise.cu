// Elementwise kernels (see elementwise.cuh): kernel, launcher, entry point.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/elementwise.cuh"

namespace segrt::cuda {

namespace {

template <class T>
__global__ void unary_kernel(const T* x, T* y, int64_t n, Act act) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = from_f<T>(apply_act(act, to_f(x[i])));
}

__device__ __forceinline__ float bin(BinOp op, float a, float b) {
  switch (op) {
    case BinOp::Add: return a + b;
    case BinOp::Sub: return a - b;
    case BinOp::Mul: return a * b;
    case BinOp::Div: return a / b;
    case BinOp::Pow: return powf(a, b);
    case BinOp::Max: return (isnan(a) || isnan(b)) ? NAN : fmaxf(a, b);
    case BinOp::Min: return (isnan(a) || isnan(b)) ? NAN : fminf(a, b);
    case BinOp::PRelu: return a >= 0.f ? a : a * b;
  }
  return 0.f;
}

// Broadcasting: one thread per output element, offsets from the strides.
template <class T>
__global__ void binary_kernel(BinOp op, const T* a, Strides sa, const T* b, Strides sb, T* y, int64_t n, Act act) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i, oa = 0, ob = 0;
    for (int d = sa.rank - 1; d >= 0; --d) {
      int64_t idx = r % sa.dims[d];
      r /= sa.dims[d];
      oa += idx * sa.in[d];
      ob += idx * sb.in[d];
    }
    y[i] = from_f<T>(apply_act(act, bin(op, to_f(a[oa]), to_f(b[ob]))));
  }
}

// Same-shape fast path: no index arithmetic.
template <class T>
__global__ void binary_flat_kernel(BinOp op, const T* a, const T* b, T* y, int64_t n, Act act) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = from_f<T>(apply_act(act, bin(op, to_f(a[i]), to_f(b[i]))));
}

template <class T>
__global__ void channel_affine_kernel(T* y, int64_t rows, int64_t C, int64_t pitch, const float* scale,
                                      const float* shift, const T* res, Act act) {
  int64_t n = rows * C;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i / C, c = i - r * C, o = r * pitch + c;
    float v = to_f(y[o]);
    if (scale) v *= scale[c];
    if (shift) v += shift[c];
    if (res) v += to_f(res[o]);
    y[o] = from_f<T>(apply_act(act, v));
  }
}

template <class T>
__global__ void channel_affine_nchw_kernel(const T* x, T* y, int64_t outer, int64_t C, int64_t inner,
                                           const float* scale, const float* shift, const T* res, Act act) {
  int64_t n = outer * C * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t c = (i / inner) % C;
    float v = to_f(x[i]);
    if (scale) v *= scale[c];
    if (shift) v += shift[c];
    if (res) v += to_f(res[i]);
    y[i] = from_f<T>(apply_act(act, v));
  }
}

bool same_dense(const Strides& s) {
  int64_t st = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    if (s.dims[d] != 1 && s.in[d] != st) return false;
    st *= s.dims[d];
  }
  return true;
}

}  // namespace

void launch_unary(const void* x, void* y, DevType t, int64_t n, Act act, cudaStream_t s) {
  if (n == 0) return;
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    unary_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), n, act);
  });
}

void launch_binary(BinOp op, const void* a, const Strides& sa, const void* b, const Strides& sb, void* y,
                   DevType t, Act act, cudaStream_t s) {
  int64_t n = 1;
  for (int d = 0; d < sa.rank; ++d) n *= sa.dims[d];
  if (n == 0) return;
  bool flat = same_dense(sa) && same_dense(sb);
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    if (flat)
      binary_flat_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(op, static_cast<const T*>(a), static_cast<const T*>(b),
                                                               static_cast<T*>(y), n, act);
    else
      binary_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(op, static_cast<const T*>(a), sa, static_cast<const T*>(b),
                                                          sb, static_cast<T*>(y), n, act);
  });
}

void launch_channel_affine(void* y, int64_t rows, int64_t channels, int64_t pitch, const float* scale,
                           const float* shift, const void* residual, DevType t, Act act, cudaStream_t s) {
  int64_t n = rows * channels;
  if (n == 0) return;
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    channel_affine_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<T*>(y), rows, channels, pitch, scale, shift,
                                                                static_cast<const T*>(residual), act);
  });
}

void launch_channel_affine_nchw(const void* x, void* y, int64_t outer, int64_t channels, int64_t inner,
                                const float* scale, const float* shift, DevType t, Act act, cudaStream_t s,
                                const void* residual) {
  int64_t n = outer * channels * inner;
  if (n == 0) return;
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    channel_affine_nchw_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(
        static_cast<const T*>(x), static_cast<T*>(y), outer, channels, inner, scale, shift,
        static_cast<const T*>(residual), act);
  });
}

}  // namespace segrt::cuda
