// BatchNormalization (when the fold_batchnorm pass could not fold it into a
// convolution) and InstanceNormalization as own kernels over a ChannelView,
// so they run in whatever format their input has (blocked included).
// BatchNorm is a per-channel y = x * a[c] + b[c] with a, b computed once;
// InstanceNorm computes each (sample, channel) plane's mean and variance.
// Both evaluate in double and round once, as the reference does: float32
// evaluation of x * a + b loses all relative accuracy where the result
// cancels to near zero, and it costs nothing here (the loops are memory bound).
#include <cmath>

#include "backend/cpu/channel_view.h"
#include "ir/ops/conv_util.h"

namespace segrt::cpu {

namespace {

const Tensor* constant_input(const Compiler& c, const Node& n, size_t k) {
  if (k >= n.inputs.size() || n.inputs[k] < 0 || !c.g.value(n.inputs[k]).is_constant()) return nullptr;
  return &c.g.value(n.inputs[k]).constant;
}

// Per-lane coefficients padded to the view's blocks (zero on padding lanes, so they stay zero).
std::vector<double> padded(const std::vector<double>& per_channel, const ChannelView& v) {
  std::vector<double> p(static_cast<size_t>(v.nblk * v.blk), 0.0);
  std::copy(per_channel.begin(), per_channel.end(), p.begin());
  return p;
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
  const Tensor *scale = constant_input(c, n, 1), *bias = constant_input(c, n, 2);
  const Tensor *mean = constant_input(c, n, 3), *var = constant_input(c, n, 4);
  if (!scale || !bias || !mean || !var) return *why = "statistics computed at run time", false;
  if (g.value(x).shape.size() < 2) return *why = "rank < 2", false;
  const double eps = n.attrs.f("epsilon", 1e-5);
  ChannelInput in = channel_input(c, x, g.value(x).shape.size() > 2 && is_channels_last(n.attrs));
  if (in.view.size() == 0) return *why = "empty tensor", false;
  auto s = scale->to_f64_vector(), b = bias->to_f64_vector(), m = mean->to_f64_vector(), va = var->to_f64_vector();
  std::vector<double> a(s.size()), sh(s.size());
  for (size_t k = 0; k < s.size(); ++k) {  // (x - mean) / sqrt(var + eps) * scale + bias
    a[k] = 1.0 / std::sqrt(va[k] + eps) * s[k];
    sh[k] = b[k] - m[k] * a[k];
  }
  std::vector<double> pa = padded(a, in.view), pb = padded(sh, in.view);
  ChannelView v = define_like(c, y, in);
  Step st;
  st.name = n.name;
  st.in = {in.slot};
  st.out = {y};
  int xs = in.slot;
  st.host = [=](const std::vector<void*>& ptr) {
    channel_affine(static_cast<const float*>(ptr[xs]), static_cast<float*>(ptr[y]), v, pa.data(), pb.data());
  };
  c.add(std::move(st));
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
  const Tensor *scale = constant_input(c, n, 1), *bias = constant_input(c, n, 2);
  if (!scale || !bias) return *why = "scale or bias computed at run time", false;
  if (g.value(x).shape.size() < 3) return *why = "rank < 3", false;
  ChannelInput in = channel_input(c, x, is_channels_last(n.attrs));
  if (in.view.size() == 0) return *why = "empty tensor", false;
  const double eps = n.attrs.f("epsilon", 1e-5);
  auto s = scale->to_f64_vector(), b = bias->to_f64_vector();
  ChannelView v = define_like(c, y, in);
  Step st;
  st.name = n.name;
  st.in = {in.slot};
  st.out = {y};
  int xs = in.slot;
  st.host = [=](const std::vector<void*>& ptr) {
    instance_norm(static_cast<const float*>(ptr[xs]), static_cast<float*>(ptr[y]), v, s, b, eps);
  };
  c.add(std::move(st));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(BatchNormalization, lower_batch_norm);
SEGRT_CPU_LOWERING(InstanceNormalization, lower_instance_norm);

}  // namespace segrt::cpu
