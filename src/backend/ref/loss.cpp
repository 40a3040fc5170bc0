// Reference NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (the
// latter: log-softmax over axis 1, then the same loss), as ONNX's reference:
// targets equal to ignore_index weigh 0; "mean" divides by the summed
// weights of the targets (their count without a weight input).
#include <algorithm>
#include <cmath>

#include "backend/ref/ref.h"
#include "backend/ref/store.h"

namespace segrt::ref {

namespace {

void loss_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& s = in[0]->shape();
  const int64_t batch = s[0], classes = s[1], inner = in[0]->numel() / std::max<int64_t>(batch * classes, 1);
  auto x = in[0]->to_f64_vector();
  if (n.op == OpType::SoftmaxCrossEntropyLoss)  // log-softmax over the class axis
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t c) -> double& { return x[(b * classes + c) * inner + i]; };
        double mx = -INFINITY, sum = 0;
        for (int64_t c = 0; c < classes; ++c) mx = std::max(mx, at(c));
        for (int64_t c = 0; c < classes; ++c) sum += std::exp(at(c) - mx);
        for (int64_t c = 0; c < classes; ++c) at(c) = at(c) - mx - std::log(sum);
      }
  const auto target = in[1]->to_i64_vector();
  const bool has_weight = in.size() > 2 && in[2];
  const auto weight = has_weight ? in[2]->to_f64_vector() : std::vector<double>{};
  const bool has_ignore = n.attrs.has("ignore_index");
  const int64_t ignore = n.attrs.i("ignore_index", 0);
  std::vector<double> loss(target.size());
  double weight_sum = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < inner; ++i) {
      const size_t k = static_cast<size_t>(b * inner + i);
      const int64_t t = target[k];
      if (has_ignore && t == ignore) {
        loss[k] = 0;
        continue;
      }
      SEGRT_CHECK(t >= 0 && t < classes, InvalidInput, op_name(n.op), " target ", t, " is not a class of ", classes);
      const double w = has_weight ? weight[t] : 1.0;
      loss[k] = -x[(b * classes + t) * inner + i] * w;
      weight_sum += w;
    }
  const std::string red = n.attrs.s("reduction", "mean");
  if (red == "none") {
    store_f64(out[0], loss);
  } else {
    double total = 0;
    for (double v : loss) total += v;
    if (red == "mean") total /= has_weight || has_ignore ? weight_sum : static_cast<double>(loss.size());
    store_f64(out[0], {total});
  }
  if (out.size() > 1) store_f64(out[1], x);
}

}  // namespace

SEGRT_REF_KERNEL(NegativeLogLikelihoodLoss, loss_kernel);
SEGRT_REF_KERNEL(SoftmaxCrossEntropyLoss, loss_kernel);

}  // namespace segrt::ref
