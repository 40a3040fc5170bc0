// Softmax and ArgMax kernels (see softmax.cuh): a thread per (outer, inner)
// position loops over the axis; the classes of a segmentation map are few.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/softmax.cuh"

namespace segrt::cuda {

namespace {

template <class T>
__global__ void softmax_kernel(const T* x, T* y, int64_t outer, int64_t len, int64_t inner, bool log) {
  int64_t n = outer * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t o = i / inner, in = i - o * inner;
    const T* px = x + o * len * inner + in;
    T* py = y + o * len * inner + in;
    float m = -INFINITY;
    for (int64_t k = 0; k < len; ++k) m = fmaxf(m, to_f(px[k * inner]));
    float s = 0.f;
    for (int64_t k = 0; k < len; ++k) s += expf(to_f(px[k * inner]) - m);
    float ls = logf(s);
    for (int64_t k = 0; k < len; ++k) {
      float v = to_f(px[k * inner]) - m;
      py[k * inner] = from_f<T>(log ? v - ls : expf(v) / s);
    }
  }
}

template <class T>
__global__ void argmax_kernel(const T* x, int64_t* y, int64_t outer, int64_t len, int64_t inner, bool last) {
  int64_t n = outer * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t o = i / inner, in = i - o * inner;
    const T* px = x + o * len * inner + in;
    float best = to_f(px[0]);
    int64_t bi = 0;
    for (int64_t k = 1; k < len; ++k) {
      float v = to_f(px[k * inner]);
      if (v > best || (last && v == best)) { best = v; bi = k; }
    }
    y[i] = bi;
  }
}

}  // namespace

void launch_softmax(const void* x, void* y, DevType t, int64_t outer, int64_t len, int64_t inner, bool log,
                    cudaStream_t s) {
  int64_t n = outer * inner;
  if (n == 0) return;
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    softmax_kernel<T><<<blocks_for(n, 128), 128, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), outer, len,
                                                         inner, log);
  });
}

void launch_argmax(const void* x, DevType t, int64_t* y, int64_t outer, int64_t len, int64_t inner,
                   bool select_last, cudaStream_t s) {
  int64_t n = outer * inner;
  if (n == 0) return;
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    argmax_kernel<T><<<blocks_for(n, 128), 128, 0, s>>>(static_cast<const T*>(x), y, outer, len, inner, select_last);
  });
}

}  // namespace segrt::cuda
