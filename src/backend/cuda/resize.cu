// Resize kernels (see resize.cuh). One thread per output element: per axis,
// the source coordinate, then up to 4 taps (nearest 1, linear 2, cubic 4)
// with their weights; the output is the weighted sum over the tap product.
// Indices out of range are clamped (ONNX's edge padding); cubic with
// exclude_outside zeroes those taps and renormalises.
#include "backend/cuda/device_util.cuh"
#include "backend/cuda/resize.cuh"

namespace segrt::cuda {

namespace {

struct Taps {
  int n;
  int64_t idx[4];
  float w[4];
};

// In double, so that rounding at exact halves matches the reference backend.
__device__ double source_coord(const ResizeParams& p, const ResizeAxis& a, int64_t x, bool* outside) {
  double xo = 0.0, sc = a.scale;
  switch (p.coord) {
    case CoordMode::HalfPixel: xo = (x + 0.5) / sc - 0.5; break;
    case CoordMode::PytorchHalfPixel: xo = a.out > 1 ? (x + 0.5) / sc - 0.5 : -0.5; break;
    case CoordMode::AlignCorners: xo = a.out == 1 ? 0.0 : x * double(a.in - 1) / double(a.out - 1); break;
    case CoordMode::Asymmetric: xo = x / sc; break;
    case CoordMode::TfHalfPixelForNn: xo = (x + 0.5) / sc; break;
    case CoordMode::TfCropAndResize: {
      double r0 = a.roi_start, r1 = a.roi_end;
      xo = a.out > 1 ? r0 * (a.in - 1) + x * (r1 - r0) * (a.in - 1) / double(a.out - 1) : 0.5 * (r0 + r1) * (a.in - 1);
      if (xo < 0.0 || xo > double(a.in - 1)) *outside = true;
      break;
    }
  }
  return xo;
}

__device__ __forceinline__ int64_t clampi(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

__device__ void axis_taps(const ResizeParams& p, const ResizeAxis& a, int64_t x, Taps& t, bool* outside) {
  if (a.in == a.out && a.scale == 1.f && p.coord != CoordMode::TfCropAndResize &&
      p.coord != CoordMode::TfHalfPixelForNn) {  // untouched axis: the identity
    t.n = 1; t.idx[0] = x; t.w[0] = 1.f;
    return;
  }
  double xo = source_coord(p, a, x, outside);
  if (p.mode == ResizeMode::Nearest) {
    double f = floor(xo), frac = xo - f;
    int64_t i;
    switch (p.nearest) {
      case NearestMode::RoundPreferFloor: i = int64_t(frac <= 0.5 ? f : f + 1); break;
      case NearestMode::RoundPreferCeil: i = int64_t(frac < 0.5 ? f : f + 1); break;
      case NearestMode::Floor: i = int64_t(f); break;
      default: i = int64_t(ceil(xo)); break;
    }
    t.n = 1; t.idx[0] = clampi(i, a.in); t.w[0] = 1.f;
    return;
  }
  double f = floor(xo);
  float r = float(xo - f);
  int64_t i0 = int64_t(f);
  if (xo == f) {  // on a sample: every kernel weight but one is zero
    t.n = 1; t.idx[0] = clampi(i0, a.in); t.w[0] = 1.f;
    return;
  }
  if (p.mode == ResizeMode::Linear) {
    t.n = 2;
    t.idx[0] = clampi(i0, a.in); t.w[0] = 1.f - r;
    t.idx[1] = clampi(i0 + 1, a.in); t.w[1] = r;
    return;
  }
  float A = p.cubic_a, s = 0.f;
  float d[4] = {1.f + r, r, 1.f - r, 2.f - r};
  for (int k = 0; k < 4; ++k) {
    float z = d[k];
    float w = z <= 1.f ? ((A + 2.f) * z - (A + 3.f)) * z * z + 1.f : ((A * z - 5.f * A) * z + 8.f * A) * z - 4.f * A;
    int64_t i = i0 - 1 + k;
    if (p.exclude_outside && (i < 0 || i >= a.in)) w = 0.f;
    t.idx[k] = clampi(i, a.in);
    t.w[k] = w;
    s += w;
  }
  if (p.exclude_outside)
    for (int k = 0; k < 4; ++k) t.w[k] /= s;
  t.n = 4;
}

template <class T>
__global__ void resize_kernel(const T* x, T* y, ResizeParams p, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    Taps t[4];
    bool outside = false;
    int64_t r = i;
    for (int d = p.rank - 1; d >= 0; --d) {
      int64_t o = r % p.axis[d].out;
      r /= p.axis[d].out;
      axis_taps(p, p.axis[d], o, t[d], &outside);
    }
    if (outside) {
      y[i] = from_f<T>(p.extrapolation);
      continue;
    }
    int64_t st[4];
    int64_t acc = 1;
    for (int d = p.rank - 1; d >= 0; --d) { st[d] = acc; acc *= p.axis[d].in; }
    for (int d = p.rank; d < 4; ++d) { t[d].n = 1; t[d].idx[0] = 0; t[d].w[0] = 1.f; st[d] = 0; }
    float sum = 0.f;
    for (int a = 0; a < t[0].n; ++a)
      for (int b = 0; b < t[1].n; ++b)
        for (int c = 0; c < t[2].n; ++c)
          for (int e = 0; e < t[3].n; ++e) {
            int64_t off = t[0].idx[a] * st[0] + t[1].idx[b] * st[1] + t[2].idx[c] * st[2] + t[3].idx[e] * st[3];
            sum += t[0].w[a] * t[1].w[b] * t[2].w[c] * t[3].w[e] * to_f(x[off]);
          }
    y[i] = from_f<T>(sum);
  }
}

}  // namespace

void launch_resize(const void* x, void* y, DevType t, const ResizeParams& p, cudaStream_t s) {
  int64_t n = 1;
  for (int d = 0; d < p.rank; ++d) n *= p.axis[d].out;
  if (n == 0) return;
  dispatch_float(t, [&](auto v) {
    using T = decltype(v);
    resize_kernel<T><<<blocks_for(n, 256), 256, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), p, n);
  });
}

}  // namespace segrt::cuda
