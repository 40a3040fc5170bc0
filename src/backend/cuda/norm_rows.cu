// LayerNormalization and GroupNormalization kernels (see norm_rows.cuh).
// Sums in float64 like the reference and InstanceNormalization's kernel.
// LayerNormalization in vision transformers normalises many short rows (one
// per token, 32-1024 channels): a warp per row, eight rows per block.
// GroupNormalization normalises few long runs (C/G x H x W): a block per run.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/norm_rows.cuh"

namespace segrt::cuda {

namespace {

constexpr int kWarps = 8;
constexpr int kThreads = 256;

__device__ __forceinline__ double warp_sum(double v) {
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <class T>
__global__ void layer_norm_kernel(const T* x, T* y, const T* scale, const T* bias, int64_t rows, int64_t len,
                                  double eps) {
  int lane = threadIdx.x % 32;
  int64_t warp = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / 32;
  for (int64_t r = warp; r < rows; r += static_cast<int64_t>(gridDim.x) * kWarps) {
    const T* xr = x + r * len;
    T* yr = y + r * len;
    double s = 0;
    for (int64_t i = lane; i < len; i += 32) s += to_f(xr[i]);
    double mean = warp_sum(s) / static_cast<double>(len);
    double q = 0;
    for (int64_t i = lane; i < len; i += 32) {
      double d = to_f(xr[i]) - mean;
      q += d * d;
    }
    double inv = 1.0 / sqrt(warp_sum(q) / static_cast<double>(len) + eps);
    for (int64_t i = lane; i < len; i += 32) {
      double v = (to_f(xr[i]) - mean) * inv * to_f(scale[i]) + (bias ? to_f(bias[i]) : 0.f);
      yr[i] = from_f<T>(static_cast<float>(v));
    }
  }
}

// Sum of v over the block (every thread gets it).
__device__ double block_sum(double v, double* part) {
  v = warp_sum(v);
  if (threadIdx.x % 32 == 0) part[threadIdx.x / 32] = v;
  __syncthreads();
  double r = 0;
  for (int w = 0; w < kThreads / 32; ++w) r += part[w];
  __syncthreads();
  return r;
}

template <class T>
__global__ void group_norm_kernel(const T* x, T* y, const T* scale, const T* bias, GroupNormParams p) {
  __shared__ double part[kThreads / 32];
  int64_t cpg = p.c / p.groups, len = cpg * p.spatial;
  for (int64_t run = blockIdx.x; run < p.n * p.groups; run += gridDim.x) {
    int64_t g = run % p.groups;
    const T* xr = x + run * len;
    T* yr = y + run * len;
    double s = 0;
    for (int64_t i = threadIdx.x; i < len; i += kThreads) s += to_f(xr[i]);
    double mean = block_sum(s, part) / static_cast<double>(len);
    double q = 0;
    for (int64_t i = threadIdx.x; i < len; i += kThreads) {
      double d = to_f(xr[i]) - mean;
      q += d * d;
    }
    double inv = 1.0 / sqrt(block_sum(q, part) / static_cast<double>(len) + p.eps);
    for (int64_t i = threadIdx.x; i < len; i += kThreads) {
      int64_t k = p.per_group ? g : g * cpg + i / p.spatial;
      double v = (to_f(xr[i]) - mean) * inv * to_f(scale[k]) + to_f(bias[k]);
      yr[i] = from_f<T>(static_cast<float>(v));
    }
  }
}

}  // namespace

void launch_layer_norm(const void* x, void* y, const void* scale, const void* bias, DevType t, int64_t rows,
                       int64_t len, double eps, cudaStream_t s) {
  if (rows == 0 || len == 0) return;
  int64_t b = (rows + kWarps - 1) / kWarps;
  unsigned blocks = static_cast<unsigned>(b < 65536 ? b : 65536);
  dispatch_float(t, [&](auto a) {
    using T = decltype(a);
    layer_norm_kernel<T><<<blocks, kWarps * 32, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y),
                                                        static_cast<const T*>(scale), static_cast<const T*>(bias),
                                                        rows, len, eps);
  });
}

void launch_group_norm(const void* x, void* y, const void* scale, const void* bias, DevType t,
                       const GroupNormParams& p, cudaStream_t s) {
  int64_t runs = p.n * p.groups;
  if (runs == 0 || p.spatial == 0 || p.c == 0) return;
  unsigned blocks = static_cast<unsigned>(runs < 65536 ? runs : 65536);
  dispatch_float(t, [&](auto a) {
    using T = decltype(a);
    group_norm_kernel<T><<<blocks, kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y),
                                                     static_cast<const T*>(scale), static_cast<const T*>(bias), p);
  });
}

}  // namespace segrt::cuda
