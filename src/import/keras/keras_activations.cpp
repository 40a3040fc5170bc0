// Keras activations: the `activation=` strings every layer accepts, and the
// activation layers (Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax,
// ThresholdedReLU). Definitions follow Keras' own code, version by version.
#include <limits>

#include "import/keras/keras_translate.h"

namespace segrt::keras {

namespace {

int unary(LayerContext& c, OpType op, int x, const std::string& suffix, Attrs a = {}) {
  return c.emit(op, {x}, suffix, std::move(a));
}

int clip(LayerContext& c, int x, float lo, float hi, const std::string& suffix) {
  int mn = c.const_f32(suffix + "_min", {lo}, {});
  int mx = c.const_f32(suffix + "_max", {hi}, {});
  return c.emit(OpType::Clip, {x, mn, mx}, suffix);
}

Attrs alpha_attr(double alpha) {
  Attrs a;
  a.set("alpha", alpha);
  return a;
}

}  // namespace

std::string activation_name(const LayerContext& c) {
  if (!c.has("activation")) return "linear";
  const Json& a = c.cfg()["activation"];
  if (a.is_string()) return a.get<std::string>();
  // Keras 3 serialises non-string activations as objects; only named built-ins are known.
  if (a.is_object() && a.contains("config") && a["config"].is_string()) return a["config"].get<std::string>();
  c.unsupported("activation " + a.dump() + " is not a built-in Keras activation");
}

int apply_activation(LayerContext& c, int x, const std::string& name, const std::string& suffix) {
  if (name == "linear" || name.empty()) return x;
  if (name == "relu") return unary(c, OpType::Relu, x, suffix);
  if (name == "relu6") return clip(c, x, 0.f, 6.f, suffix);
  if (name == "sigmoid") return unary(c, OpType::Sigmoid, x, suffix);
  if (name == "tanh") return unary(c, OpType::Tanh, x, suffix);
  if (name == "softplus") return unary(c, OpType::Softplus, x, suffix);
  if (name == "softsign") return unary(c, OpType::Softsign, x, suffix);
  if (name == "exponential") return unary(c, OpType::Exp, x, suffix);
  if (name == "elu") return unary(c, OpType::Elu, x, suffix, alpha_attr(1.0));
  if (name == "selu") return unary(c, OpType::Selu, x, suffix);  // ONNX defaults = Keras constants in float32
  if (name == "gelu") {
    Attrs a;
    a.set("approximate", "none");  // keras.activations.gelu(x, approximate=False) is the string's meaning
    return unary(c, OpType::Gelu, x, suffix, a);
  }
  if (name == "hard_sigmoid") {
    // Keras 2: clip(0.2x + 0.5, 0, 1). Keras 3: relu6(x + 3) / 6.
    Attrs a;
    a.set("alpha", c.version.keras3() ? 1.0 / 6.0 : 0.2);
    a.set("beta", 0.5);
    return unary(c, OpType::HardSigmoid, x, suffix, a);
  }
  if (name == "hard_silu" || name == "hard_swish") return unary(c, OpType::HardSwish, x, suffix);
  if (name == "leaky_relu") return unary(c, OpType::LeakyRelu, x, suffix, alpha_attr(0.2));  // Keras 3 default
  if (name == "swish" || name == "silu") {
    int s = unary(c, OpType::Sigmoid, x, suffix + "_sigmoid");
    return c.emit(OpType::Mul, {x, s}, suffix);
  }
  if (name == "mish") {
    int sp = unary(c, OpType::Softplus, x, suffix + "_softplus");
    int t = unary(c, OpType::Tanh, sp, suffix + "_tanh");
    return c.emit(OpType::Mul, {x, t}, suffix);
  }
  if (name == "softmax" || name == "log_softmax") {
    Attrs a;
    a.set("axis", int64_t{-1});
    return c.emit(name == "softmax" ? OpType::Softmax : OpType::LogSoftmax, {x}, suffix, a);
  }
  c.unsupported("activation '" + name + "' is not supported");
}

namespace {

std::vector<int> translate_activation(LayerContext& c) {
  c.expect_inputs(1, 1);
  return {apply_activation(c, c.input(0), activation_name(c), "act")};
}

// Keras' relu(x, negative_slope, max_value, threshold), exactly as its
// backend computes it:
//   pos = threshold != 0 ? x * (x > threshold) : relu(x);  pos = clip(pos, 0, max_value)
//   out = pos - negative_slope * relu(threshold - x)
std::vector<int> translate_relu(LayerContext& c) {
  c.expect_inputs(1, 1);
  int x = c.input(0);
  bool has_max = c.has("max_value");
  double max_value = c.get_float("max_value", 0.0);
  double slope = c.get_float("negative_slope", 0.0);
  double threshold = c.get_float("threshold", 0.0);
  if (slope != 0.0 && !has_max && threshold == 0.0) return {unary(c, OpType::LeakyRelu, x, "leaky_relu", alpha_attr(slope))};
  int pos = x;  // without a threshold, clip(relu(x), 0, max) = clip(x, 0, max)
  if (threshold != 0.0) pos = unary(c, OpType::ThresholdedRelu, x, "threshold", alpha_attr(threshold));
  else if (!has_max) pos = unary(c, OpType::Relu, x, "relu");
  if (has_max) pos = clip(c, pos, 0.f, static_cast<float>(max_value), "clip");
  if (slope == 0.0) return {pos};
  int t = c.const_f32("threshold_value", {static_cast<float>(threshold)}, {});
  int neg = unary(c, OpType::Relu, c.emit(OpType::Sub, {t, x}, "neg_in"), "neg");
  int s = c.const_f32("slope", {static_cast<float>(slope)}, {});
  return {c.emit(OpType::Sub, {pos, c.emit(OpType::Mul, {s, neg}, "neg_scaled")}, "out")};
}

std::vector<int> translate_thresholded_relu(LayerContext& c) {
  c.expect_inputs(1, 1);
  return {unary(c, OpType::ThresholdedRelu, c.input(0), "threshold", alpha_attr(c.get_float("theta", 1.0)))};
}

std::vector<int> translate_leaky_relu(LayerContext& c) {
  c.expect_inputs(1, 1);
  double alpha = c.has("negative_slope") ? c.get_float("negative_slope", 0.3) : c.get_float("alpha", 0.3);
  return {unary(c, OpType::LeakyRelu, c.input(0), "leaky_relu", alpha_attr(alpha))};
}

std::vector<int> translate_elu(LayerContext& c) {
  c.expect_inputs(1, 1);
  return {unary(c, OpType::Elu, c.input(0), "elu", alpha_attr(c.get_float("alpha", 1.0)))};
}

std::vector<int> translate_prelu(LayerContext& c) {
  c.expect_inputs(1, 1);
  // alpha has the input's shape without the batch, 1 on the shared axes: it
  // broadcasts against the input as ONNX PRelu's slope does.
  Tensor alpha = c.take_weights({"alpha"})[0];
  if (alpha.rank() != c.rank(0) - 1)
    c.invalid("weight 'alpha' has shape " + shape_str(alpha.shape()) + ", expected rank " +
              std::to_string(c.rank(0) - 1));
  return {c.emit(OpType::PRelu, {c.input(0), c.constant("alpha", alpha)}, "prelu")};
}

std::vector<int> translate_softmax(LayerContext& c) {
  c.expect_inputs(1, 1);
  Attrs a;
  a.set("axis", c.get_int("axis", -1));
  return {c.emit(OpType::Softmax, {c.input(0)}, "softmax", a)};
}

}  // namespace

SEGRT_KERAS_LAYER("Activation", translate_activation);
SEGRT_KERAS_LAYER("ReLU", translate_relu);
SEGRT_KERAS_LAYER("ThresholdedReLU", translate_thresholded_relu);
SEGRT_KERAS_LAYER("LeakyReLU", translate_leaky_relu);
SEGRT_KERAS_LAYER("ELU", translate_elu);
SEGRT_KERAS_LAYER("PReLU", translate_prelu);
SEGRT_KERAS_LAYER("Softmax", translate_softmax);

}  // namespace segrt::keras
