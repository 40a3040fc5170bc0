// Pooling kernel (see pool.cuh): one thread per output element.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/pool.cuh"

namespace segrt::cuda {

namespace {

// One window of one channel: pixel (h, w) of the image at xp[(h * in_w + w) * ps]
// (ps = channels for NHWC, 1 for NCHW), taps in the reference's order.
template <class T>
__device__ float pool_window(const T* xp, int64_t ps, const PoolParams& p, int64_t oh, int64_t ow) {
  int64_t h0 = oh * p.sh - p.pad_t, w0 = ow * p.sw - p.pad_l;
  float acc = p.is_max ? -INFINITY : 0.f;
  int count = 0, padded = 0;
  for (int ky = 0; ky < p.kh; ++ky) {
    int64_t h = h0 + int64_t(ky) * p.dh;
    for (int kx = 0; kx < p.kw; ++kx) {
      int64_t w = w0 + int64_t(kx) * p.dw;
      if (h < 0 || h >= p.in_h || w < 0 || w >= p.in_w) {
        // ONNX counts pad cells inside the padded input, not past it (ceil_mode).
        if (h >= -p.pad_t && h < p.in_h + p.pad_b && w >= -p.pad_l && w < p.in_w + p.pad_r) ++padded;
        continue;
      }
      float v = to_f(xp[(h * p.in_w + w) * ps]);
      if (p.is_max) {
        acc = (v > acc || isnan(v)) ? v : acc;
      } else {
        acc += v;
      }
      ++count;
    }
  }
  if (!p.is_max) acc /= float(p.count_include_pad ? count + padded : count);
  return acc;
}

// NHWC: one thread per output element, channels fastest.
template <class T>
__global__ void pool_nhwc_kernel(const T* x, T* y, PoolParams p, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t c = i % p.c, r = i / p.c;
    int64_t ow = r % p.out_w;
    r /= p.out_w;
    int64_t oh = r % p.out_h, b = r / p.out_h;
    y[i] = from_f<T>(pool_window(x + b * p.in_h * p.in_w * p.c + c, p.c, p, oh, ow));
  }
}

// NCHW: one thread per output element, columns fastest.
template <class T>
__global__ void pool_nchw_kernel(const T* x, T* y, PoolParams p, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t ow = i % p.out_w, r = i / p.out_w;
    int64_t oh = r % p.out_h, plane = r / p.out_h;  // plane = b * C + c
    y[i] = from_f<T>(pool_window(x + plane * p.in_h * p.in_w, 1, p, oh, ow));
  }
}

// The U-Net's 2x2 stride-2 max pool on NCHW float32 rows whose width is a
// multiple of 4: one float4 from each of the two input rows, two outputs
// (a float2) per thread, taps in the generic kernel's order.
__global__ void maxpool2x2_nchw_f32_kernel(const float* x, float* y, int64_t in_h, int64_t in_w, int64_t out_h,
                                           int64_t quads, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t q = i % quads, r = i / quads;  // r = plane * out_h + oh
    int64_t oh = r % out_h, plane = r / out_h;
    const float* row = x + (plane * in_h + 2 * oh) * in_w + 4 * q;
    float4 a = *reinterpret_cast<const float4*>(row);
    float4 b = *reinterpret_cast<const float4*>(row + in_w);
    auto mx = [](float acc, float v) { return (v > acc || isnan(v)) ? v : acc; };
    float2 o;
    o.x = mx(mx(mx(mx(-INFINITY, a.x), a.y), b.x), b.y);
    o.y = mx(mx(mx(mx(-INFINITY, a.z), a.w), b.z), b.w);
    *reinterpret_cast<float2*>(y + r * (2 * quads) + 2 * q) = o;
  }
}

// Max pooling, 16 bytes of channels per thread (the U-Net's 2x2 pools are
// pure bandwidth): each window tap is one vector load.
template <class T>
__global__ void maxpool_vec_kernel(const T* x, T* y, PoolParams p, int64_t n) {
  constexpr int kV = 16 / sizeof(T);
  int64_t cv = p.c / kV;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t c = (i % cv) * kV, r = i / cv;
    int64_t ow = r % p.out_w;
    r /= p.out_w;
    int64_t oh = r % p.out_h, b = r / p.out_h;
    int64_t h0 = oh * p.sh - p.pad_t, w0 = ow * p.sw - p.pad_l;
    float acc[kV];
    for (int k = 0; k < kV; ++k) acc[k] = -INFINITY;
    for (int ky = 0; ky < p.kh; ++ky) {
      int64_t h = h0 + int64_t(ky) * p.dh;
      if (h < 0 || h >= p.in_h) continue;
      for (int kx = 0; kx < p.kw; ++kx) {
        int64_t w = w0 + int64_t(kx) * p.dw;
        if (w < 0 || w >= p.in_w) continue;
        uint4 raw = *reinterpret_cast<const uint4*>(x + ((b * p.in_h + h) * p.in_w + w) * p.c + c);
        const T* v = reinterpret_cast<const T*>(&raw);
#pragma unroll
        for (int k = 0; k < kV; ++k) {
          float f = to_f(v[k]);
          acc[k] = (f > acc[k] || isnan(f)) ? f : acc[k];
        }
      }
    }
    uint4 out;
    T* o = reinterpret_cast<T*>(&out);
#pragma unroll
    for (int k = 0; k < kV; ++k) o[k] = from_f<T>(acc[k]);
    *reinterpret_cast<uint4*>(y + ((b * p.out_h + oh) * p.out_w + ow) * p.c + c) = out;
  }
}

// One storage type: 16 bytes of channels per thread for max pools whose rows allow it.
template <class T>
void pool_nhwc_typed(const void* x, void* y, const PoolParams& p, int64_t n, cudaStream_t s) {
  const T* xt = static_cast<const T*>(x);
  T* yt = static_cast<T*>(y);
  if constexpr (!std::is_same_v<T, int64_t>) {
    const bool aligned = ((reinterpret_cast<size_t>(x) | reinterpret_cast<size_t>(y)) % 16 == 0) &&
                         (p.c * static_cast<int64_t>(sizeof(T))) % 16 == 0;
    if (p.is_max && aligned) {
      const int64_t nv = n / (16 / static_cast<int64_t>(sizeof(T)));
      maxpool_vec_kernel<T><<<blocks_for(nv, 256), 256, 0, s>>>(xt, yt, p, nv);
      return;
    }
  }
  pool_nhwc_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(xt, yt, p, n);
}

}  // namespace

void launch_pool_nhwc(const void* x, void* y, DevType t, const PoolParams& p, cudaStream_t s) {
  int64_t n = p.n * p.out_h * p.out_w * p.c;
  if (n == 0) return;
  // int8: MaxPool between int8 convolutions (sink_dequantize); the kernels'
  // float max is exact on int8 values (build_pool asks nothing else of int8).
  if (t == DevType::i8) return pool_nhwc_typed<int8_t>(x, y, p, n, s);
  dispatch_float(t, [&](auto v) { pool_nhwc_typed<decltype(v)>(x, y, p, n, s); });
}

void launch_pool_nchw(const void* x, void* y, DevType t, const PoolParams& p, cudaStream_t s) {
  int64_t n = p.n * p.c * p.out_h * p.out_w;
  if (n == 0) return;
  bool two_by_two = p.is_max && p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.dh == 1 && p.dw == 1 &&
                    p.pad_t == 0 && p.pad_l == 0 && p.pad_b == 0 && p.pad_r == 0 && p.in_w % 4 == 0 &&
                    p.out_w * 2 == p.in_w && p.out_h == p.in_h / 2;
  bool aligned = ((reinterpret_cast<size_t>(x) % 16) | (reinterpret_cast<size_t>(y) % 8)) == 0;
  if (t == DevType::f32 && two_by_two && aligned) {
    int64_t quads = p.in_w / 4, nq = p.n * p.c * p.out_h * quads;
    maxpool2x2_nchw_f32_kernel<<<blocks_for(nq, 256), 256, 0, s>>>(static_cast<const float*>(x), static_cast<float*>(y),
                                                                   p.in_h, p.in_w, p.out_h, quads, nq);
    return;
  }
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    pool_nchw_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), p, n);
  });
}

}  // namespace segrt::cuda
