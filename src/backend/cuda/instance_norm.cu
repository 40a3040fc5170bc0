// InstanceNormalization kernel (see instance_norm.cuh): a block per (n, c)
// plane, two passes over it (mean, then the centred sum of squares, as the
// reference does: no E[x^2] - E[x]^2 cancellation), float64 sums, then a
// third pass writes y. Segmentation nets normalise few, large planes, so a
// block per plane keeps every SM busy only at batch x channels >= ~132; that
// is the common case (64+ channels).
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/instance_norm.cuh"

namespace segrt::cuda {

namespace {

constexpr int kThreads = 256;

// Sum of v over the block (every thread gets it).
__device__ double block_sum(double v, double* part) {
  part[threadIdx.x] = v;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  double r = part[0];
  __syncthreads();
  return r;
}

template <class T>
__global__ void instance_norm_kernel(const T* x, T* y, const T* scale, const T* bias, InstanceNormParams p) {
  __shared__ double part[kThreads];
  for (int64_t plane = blockIdx.x; plane < p.n * p.c; plane += gridDim.x) {
    int64_t n = plane / p.c, c = plane % p.c;
    int64_t base = n * p.sn + c * p.sc;
    double s = 0;
    for (int64_t i = threadIdx.x; i < p.p; i += kThreads) s += to_f(x[base + i * p.sp]);
    double mean = block_sum(s, part) / static_cast<double>(p.p);
    double q = 0;
    for (int64_t i = threadIdx.x; i < p.p; i += kThreads) {
      double d = to_f(x[base + i * p.sp]) - mean;
      q += d * d;
    }
    double var = block_sum(q, part) / static_cast<double>(p.p);
    double mul = static_cast<double>(to_f(scale[c])) / sqrt(var + p.eps);
    double add = to_f(bias[c]);
    for (int64_t i = threadIdx.x; i < p.p; i += kThreads) {
      int64_t at = base + i * p.sp;
      y[at] = from_f<T>(static_cast<float>((to_f(x[at]) - mean) * mul + add));
    }
  }
}

}  // namespace

void launch_instance_norm(const void* x, void* y, const void* scale, const void* bias, DevType t,
                          const InstanceNormParams& p, cudaStream_t s) {
  int64_t planes = p.n * p.c;
  if (planes == 0 || p.p == 0) return;
  unsigned blocks = static_cast<unsigned>(planes < 65536 ? planes : 65536);
  dispatch_float(t, [&](auto a) {
    using T = decltype(a);
    instance_norm_kernel<T><<<blocks, kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y),
                                                        static_cast<const T*>(scale), static_cast<const T*>(bias), p);
  });
}

}  // namespace segrt::cuda
