// BatchNormalization (when the fold_batchnorm pass could not fold it into a
// convolution) and InstanceNormalization as own kernels over a ChannelView,
// so they run in whatever format their input has (blocked included).
// BatchNorm is a per-channel y = x * a[c] + b[c] with a, b computed once
// (per run when its parameters are computed at run time); InstanceNorm
// computes each (sample, channel) plane's mean and variance.
// Both evaluate in double and round once, as the reference does: float32
// evaluation of x * a + b loses all relative accuracy where the result
// cancels to near zero, and it costs nothing here (the loops are memory bound).
#include <cmath>

#include "backend/cpu/channel_view.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

// A per-channel parameter (scale, bias, mean, variance): a constant read
// once, or a float32 value computed at run time read from its slot.
struct Param {
  int slot = -1;
  std::vector<double> values;
  std::vector<double> get(const std::vector<void*>& ptr, int64_t count) const {
    if (slot < 0) return values;
    const float* p = static_cast<const float*>(ptr[slot]);
    return std::vector<double>(p, p + count);
  }
};

bool param(Compiler& c, const Node& n, size_t k, Param* out) {
  if (k >= n.inputs.size() || n.inputs[k] < 0) return false;
  const Value& v = c.g.value(n.inputs[k]);
  if (v.is_constant()) {
    out->values = v.constant.to_f64_vector();
    return true;
  }
  if (v.dtype != DType::f32) return false;
  out->slot = c.as_plain(n.inputs[k]);
  return true;
}

// y = x * a[c] + b[c], a and b padded per lane.
void channel_affine(const float* x, float* y, const ChannelView& v, const double* a, const double* b) {
  if (v.blk == 1) {  // channels-first: one coefficient pair per plane
#pragma omp parallel for schedule(static)
    for (int64_t pl = 0; pl < v.N * v.nblk; ++pl) {
      const double ac = a[pl % v.nblk], bc = b[pl % v.nblk];
      const float* xs = x + pl * v.S;
      float* ys = y + pl * v.S;
      for (int64_t p = 0; p < v.S; ++p) ys[p] = static_cast<float>(xs[p] * ac + bc);
    }
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t row = 0; row < v.N * v.nblk * v.S; ++row) {
    const int64_t cb = (row / v.S) % v.nblk;
    const double* ac = a + cb * v.blk;
    const double* bc = b + cb * v.blk;
    const float* xs = x + row * v.blk;
    float* ys = y + row * v.blk;
    for (int64_t l = 0; l < v.blk; ++l) ys[l] = static_cast<float>(xs[l] * ac[l] + bc[l]);
  }
}

bool lower_batch_norm(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  if (g.value(x).dtype != DType::f32 || g.value(y).dtype != DType::f32) return *why = "float32 only", false;
  if (n.outputs.size() > 1) return *why = "training outputs", false;
  if (g.value(x).shape.size() < 2) return *why = "rank < 2", false;
  std::vector<Param> pr(4);
  for (size_t k = 0; k < 4; ++k)
    if (!param(c, n, k + 1, &pr[k])) return *why = "parameters absent or not float32", false;
  const double eps = n.attrs.f("epsilon", 1e-5);
  ChannelInput in = channel_input(c, x, g.value(x).shape.size() > 2 && is_channels_last(n.attrs));
  if (in.view.size() == 0) return *why = "empty tensor", false;
  ChannelView v = define_like(c, y, in);
  // (x - mean) / sqrt(var + eps) * scale + bias  =  x * a + b, per channel.
  auto coefficients = [pr, eps, v](const std::vector<void*>& ptr, std::vector<double>* a, std::vector<double>* b) {
    auto s = pr[0].get(ptr, v.C), bi = pr[1].get(ptr, v.C), m = pr[2].get(ptr, v.C), va = pr[3].get(ptr, v.C);
    a->assign(static_cast<size_t>(v.nblk * v.blk), 0.0);  // zero on padding lanes, so they stay zero
    b->assign(a->size(), 0.0);
    for (int64_t k = 0; k < v.C; ++k) {
      (*a)[k] = 1.0 / std::sqrt(va[k] + eps) * s[k];
      (*b)[k] = bi[k] - m[k] * (*a)[k];
    }
  };
  int xs = in.slot;
  std::vector<int> reads = {xs};
  for (const Param& p : pr)
    if (p.slot >= 0) reads.push_back(p.slot);
  HostKernel kernel;
  if (pr[0].slot < 0 && pr[1].slot < 0 && pr[2].slot < 0 && pr[3].slot < 0) {  // constants: once, here
    std::vector<double> a, b;
    coefficients({}, &a, &b);
    kernel = [=](const std::vector<void*>& ptr) {
      channel_affine(static_cast<const float*>(ptr[xs]), static_cast<float*>(ptr[y]), v, a.data(), b.data());
    };
  } else {
    kernel = [=](const std::vector<void*>& ptr) {
      std::vector<double> a, b;
      coefficients(ptr, &a, &b);
      channel_affine(static_cast<const float*>(ptr[xs]), static_cast<float*>(ptr[y]), v, a.data(), b.data());
    };
  }
  c.add(host_step(n.name, reads, {y}, kernel));
  return true;
}

// Mean and variance (two passes, as the reference) of each (n, c) plane,
// then y = (x - mean) * scale / sqrt(var + eps) + bias.
void instance_norm(const float* x, float* y, const ChannelView& v, const std::vector<double>& scale,
                   const std::vector<double>& bias, double eps) {
  constexpr int64_t kChunk = 16;  // lanes one task owns (a cache line of floats)
  const int64_t chunks = (v.blk + kChunk - 1) / kChunk;
  const double count = static_cast<double>(v.S);
#pragma omp parallel for schedule(static)
  for (int64_t task = 0; task < v.N * v.nblk * chunks; ++task) {
    const int64_t plane = task / chunks, l0 = (task % chunks) * kChunk, l1 = std::min(v.blk, l0 + kChunk);
    const int64_t cb = plane % v.nblk;
    const float* xs = x + plane * v.S * v.blk;
    float* ys = y + plane * v.S * v.blk;
    double mean[kChunk] = {}, var[kChunk] = {}, mul[kChunk], add[kChunk];
    for (int64_t p = 0; p < v.S; ++p)
      for (int64_t l = l0; l < l1; ++l) mean[l - l0] += xs[p * v.blk + l];
    for (int64_t l = l0; l < l1; ++l) mean[l - l0] /= count;
    for (int64_t p = 0; p < v.S; ++p)
      for (int64_t l = l0; l < l1; ++l) {
        const double d = xs[p * v.blk + l] - mean[l - l0];
        var[l - l0] += d * d;
      }
    for (int64_t l = l0; l < l1; ++l) {
      const int64_t ch = cb * v.blk + l;
      const bool real = ch < v.C;  // padding lanes stay zero
      mul[l - l0] = real ? scale[ch] / std::sqrt(var[l - l0] / count + eps) : 0.0;
      add[l - l0] = real ? bias[ch] : 0.0;
    }
    for (int64_t p = 0; p < v.S; ++p)
      for (int64_t l = l0; l < l1; ++l)
        ys[p * v.blk + l] = static_cast<float>((xs[p * v.blk + l] - mean[l - l0]) * mul[l - l0] + add[l - l0]);
  }
}

bool lower_instance_norm(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  if (g.value(x).dtype != DType::f32 || g.value(y).dtype != DType::f32) return *why = "float32 only", false;
  Param scale, bias;
  if (!param(c, n, 1, &scale) || !param(c, n, 2, &bias)) return *why = "scale or bias absent or not float32", false;
  if (g.value(x).shape.size() < 3) return *why = "rank < 3", false;
  ChannelInput in = channel_input(c, x, is_channels_last(n.attrs));
  if (in.view.size() == 0) return *why = "empty tensor", false;
  const double eps = n.attrs.f("epsilon", 1e-5);
  ChannelView v = define_like(c, y, in);
  int xs = in.slot;
  std::vector<int> reads = {xs};
  for (const Param* p : {&scale, &bias})
    if (p->slot >= 0) reads.push_back(p->slot);
  c.add(host_step(n.name, reads, {y}, [=](const std::vector<void*>& ptr) {
    instance_norm(static_cast<const float*>(ptr[xs]), static_cast<float*>(ptr[y]), v, scale.get(ptr, v.C),
                  bias.get(ptr, v.C), eps);
  }));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(BatchNormalization, lower_batch_norm);
SEGRT_CPU_LOWERING(InstanceNormalization, lower_instance_norm);

}  // namespace segrt::cpu
