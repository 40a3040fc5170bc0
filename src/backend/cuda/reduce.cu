// ReduceMean kernels (see reduce.cuh): a block per output element; its
// threads stride over the reduced elements, then a shared-memory tree sums
// the partials. Float64 accumulation keeps fp32 results within rounding of
// the reference even for whole-image means (a global average over 512x512).
// Outputs of at most 32 elements each get a thread apiece instead.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/reduce.cuh"

namespace segrt::cuda {

namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ int64_t offset_of(int64_t i, const Strides& v) {
  int64_t off = 0;
  for (int d = v.rank - 1; d >= 0; --d) {
    int64_t idx = i % v.dims[d];
    i /= v.dims[d];
    off += idx * v.in[d];
  }
  return off;
}

template <class T>
__global__ void reduce_mean_kernel(const T* x, T* y, ReduceView v, int64_t outputs, int64_t count) {
  __shared__ double part[kThreads];
  for (int64_t o = blockIdx.x; o < outputs; o += gridDim.x) {
    const T* base = x + offset_of(o, v.kept);
    double sum = 0;
    for (int64_t r = threadIdx.x; r < count; r += kThreads) sum += to_f(base[offset_of(r, v.reduced)]);
    part[threadIdx.x] = sum;
    __syncthreads();
    for (int w = kThreads / 2; w > 0; w /= 2) {
      if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
      __syncthreads();
    }
    if (threadIdx.x == 0) y[o] = from_f<T>(count ? static_cast<float>(part[0] / static_cast<double>(count)) : NAN);
    __syncthreads();  // part[] is reused by the next output
  }
}

// Few elements per output (a mean over channels): a thread per output.
template <class T>
__global__ void reduce_mean_small_kernel(const T* x, T* y, ReduceView v, int64_t outputs, int64_t count) {
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < outputs; o += int64_t(gridDim.x) * blockDim.x) {
    const T* base = x + offset_of(o, v.kept);
    double sum = 0;
    for (int64_t r = 0; r < count; ++r) sum += to_f(base[offset_of(r, v.reduced)]);
    y[o] = from_f<T>(count ? static_cast<float>(sum / static_cast<double>(count)) : NAN);
  }
}

}  // namespace

void launch_reduce_mean(const void* x, void* y, DevType t, const ReduceView& view, cudaStream_t s) {
  int64_t outputs = 1, count = 1;
  for (int d = 0; d < view.kept.rank; ++d) outputs *= view.kept.dims[d];
  for (int d = 0; d < view.reduced.rank; ++d) count *= view.reduced.dims[d];
  if (outputs == 0) return;
  unsigned blocks = static_cast<unsigned>(outputs < 65536 ? outputs : 65536);
  dispatch_float(t, [&](auto a) {
    using T = decltype(a);
    if (count <= 32) {
      reduce_mean_small_kernel<T><<<blocks_for(outputs, 256), 256, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y),
                                                                           view, outputs, count);
      return;
    }
    reduce_mean_kernel<T><<<blocks, kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), view, outputs, count);
  });
}

}  // namespace segrt::cuda
