// Row softmax kernel (see softmax_rows.cuh): three strided passes over the
// row (max, sum of exp, write), block-wide reductions in shared memory.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/softmax_rows.cuh"

namespace segrt::cuda {

namespace {

constexpr int kThreads = 256;

template <bool kMax>
__device__ float block_reduce(float v, float* part) {
  part[threadIdx.x] = v;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) part[threadIdx.x] = kMax ? fmaxf(part[threadIdx.x], part[threadIdx.x + w])
                                                  : part[threadIdx.x] + part[threadIdx.x + w];
    __syncthreads();
  }
  float r = part[0];
  __syncthreads();
  return r;
}

template <class T>
__global__ void softmax_rows_kernel(const T* x, T* y, int64_t rows, int64_t len, bool log) {
  __shared__ float part[kThreads];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* px = x + row * len;
    T* py = y + row * len;
    float m = -INFINITY;
    for (int64_t k = threadIdx.x; k < len; k += kThreads) m = fmaxf(m, to_f(px[k]));
    m = block_reduce<true>(m, part);
    float s = 0.f;
    for (int64_t k = threadIdx.x; k < len; k += kThreads) s += expf(to_f(px[k]) - m);
    s = block_reduce<false>(s, part);
    float ls = logf(s);
    for (int64_t k = threadIdx.x; k < len; k += kThreads) {
      float v = to_f(px[k]) - m;
      py[k] = from_f<T>(log ? v - ls : expf(v) / s);
    }
  }
}

}  // namespace

void launch_softmax_rows(const void* x, void* y, DevType t, int64_t rows, int64_t len, bool log, cudaStream_t s) {
  if (rows == 0 || len == 0) return;
  unsigned blocks = static_cast<unsigned>(rows < 65536 ? rows : 65536);
  dispatch_float(t, [&](auto a) {
    using T = decltype(a);
    softmax_rows_kernel<T><<<blocks, kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), rows, len, log);
  });
}

}  // namespace segrt::cuda
