// Reference BatchNormalization (inference, running statistics) and
// InstanceNormalization (statistics of each sample's channel plane), in
// float64 on channels-first data.
#include <algorithm>
#include <cmath>

#include "backend/ref/layout.h"
#include "backend/ref/ref.h"
#include "ir/ops/conv_util.h"

namespace segrt::ref {

namespace {

void batch_norm_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  if (out[0].numel() == 0) return;  // empty batch or channels: nothing to compute (and no division by zero)
  const double eps = n.attrs.f("epsilon", 1e-5);
  auto scale = in[1]->to_f64_vector(), bias = in[2]->to_f64_vector();
  auto mean = in[3]->to_f64_vector(), var = in[4]->to_f64_vector();
  // A rank-2 input [N, C] has its channels at axis 1 whatever the layout.
  const bool nhwc = in[0]->rank() > 2 && is_channels_last(n.attrs);
  Tensor xt = channels_first(*in[0], nhwc);
  std::vector<double> x = xt.to_f64_vector();
  const int64_t batch = xt.dim(0), channels = xt.dim(1), plane = xt.numel() / std::max<int64_t>(1, batch * channels);
  Tensor y(DType::f64, xt.shape());
  double* py = y.data<double>();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < channels; ++c) {
      const double inv_std = 1.0 / std::sqrt(var[c] + eps);
      for (int64_t i = 0; i < plane; ++i) {
        int64_t e = (b * channels + c) * plane + i;
        py[e] = (x[e] - mean[c]) * inv_std * scale[c] + bias[c];
      }
    }
  Layout l = out[0].layout();
  out[0] = channels_last_if(y, nhwc).cast(out[0].dtype());
  out[0].set_layout(l);
}

void instance_norm_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  if (out[0].numel() == 0) return;  // empty batch or channels: nothing to compute (and no division by zero)
  const double eps = n.attrs.f("epsilon", 1e-5);
  const bool nhwc = is_channels_last(n.attrs);
  Tensor xt = channels_first(*in[0], nhwc);
  std::vector<double> x = xt.to_f64_vector();
  auto scale = in[1]->to_f64_vector(), bias = in[2]->to_f64_vector();
  const int64_t batch = xt.dim(0), channels = xt.dim(1), plane = xt.numel() / (batch * channels);
  Tensor y(DType::f64, xt.shape());
  double* py = y.data<double>();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < channels; ++c) {
      const double* p = &x[(b * channels + c) * plane];
      double mean = 0, var = 0;
      for (int64_t i = 0; i < plane; ++i) mean += p[i];
      mean /= static_cast<double>(plane);
      for (int64_t i = 0; i < plane; ++i) var += (p[i] - mean) * (p[i] - mean);
      var /= static_cast<double>(plane);
      double mul = scale[c] / std::sqrt(var + eps);
      for (int64_t i = 0; i < plane; ++i) py[(b * channels + c) * plane + i] = (p[i] - mean) * mul + bias[c];
    }
  Layout l = out[0].layout();
  out[0] = channels_last_if(y, nhwc).cast(out[0].dtype());
  out[0].set_layout(l);
}

}  // namespace

SEGRT_REF_KERNEL(BatchNormalization, batch_norm_kernel);
SEGRT_REF_KERNEL(InstanceNormalization, instance_norm_kernel);

}  // namespace segrt::ref
