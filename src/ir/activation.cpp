// Activation definitions (ONNX semantics and defaults).
#include "ir/activation.h"

#include <cmath>
#include <limits>

namespace segrt {

bool Activation::is_activation(OpType op) {
  switch (op) {
    case OpType::Relu: case OpType::LeakyRelu: case OpType::Elu: case OpType::Selu:
    case OpType::Sigmoid: case OpType::HardSigmoid: case OpType::HardSwish: case OpType::Tanh:
    case OpType::Softplus: case OpType::Softsign: case OpType::Gelu: case OpType::Erf:
    case OpType::Exp: case OpType::Sqrt: case OpType::Neg: case OpType::Abs: case OpType::Clip:
    case OpType::ThresholdedRelu: case OpType::Identity:
      return true;
    default:
      return false;
  }
}

Activation Activation::from_attrs(OpType op, const Attrs& at) {
  SEGRT_CHECK(is_activation(op), Internal, op_name(op), " is not an activation");
  Activation a;
  a.op = op;
  switch (op) {
    case OpType::LeakyRelu: a.alpha = static_cast<float>(at.f("alpha", 0.01)); break;
    case OpType::Elu: a.alpha = static_cast<float>(at.f("alpha", 1.0)); break;
    case OpType::ThresholdedRelu: a.alpha = static_cast<float>(at.f("alpha", 1.0)); break;
    case OpType::Selu:
      a.alpha = static_cast<float>(at.f("alpha", 1.67326319217681884765625));
      a.beta = static_cast<float>(at.f("gamma", 1.05070102214813232421875));
      break;
    case OpType::HardSigmoid:
      a.alpha = static_cast<float>(at.f("alpha", 0.2));
      a.beta = static_cast<float>(at.f("beta", 0.5));
      break;
    case OpType::Gelu: a.alpha = at.s("approximate", "none") == "tanh" ? 1.f : 0.f; break;
    case OpType::Clip:
      a.alpha = -std::numeric_limits<float>::infinity();
      a.beta = std::numeric_limits<float>::infinity();
      break;
    default: break;
  }
  return a;
}

Activation Activation::from_node(const Graph& g, const Node& n) {
  Activation a = from_attrs(n.op, n.attrs);
  switch (n.op) {
    case OpType::Clip: {
      // Clip-11+: min and max are optional inputs; importers move Clip-6 attributes there.
      if (n.inputs.size() > 1 && n.inputs[1] >= 0) {
        const Value& v = g.value(n.inputs[1]);
        SEGRT_CHECK(v.is_constant(), Unsupported, "Clip min must be constant");
        a.alpha = static_cast<float>(v.constant.to_f64_vector().at(0));
      }
      if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
        const Value& v = g.value(n.inputs[2]);
        SEGRT_CHECK(v.is_constant(), Unsupported, "Clip max must be constant");
        a.beta = static_cast<float>(v.constant.to_f64_vector().at(0));
      }
      break;
    }
    default: break;
  }
  return a;
}

Activation Activation::from_fused_attrs(const Attrs& at) {
  Activation a;
  std::string name = at.s("fused_activation", "");
  if (name.empty()) return a;
  SEGRT_CHECK(op_from_name(name, &a.op) && is_activation(a.op), InvalidModel, "unknown fused activation ", name);
  a.alpha = static_cast<float>(at.f("fused_alpha", 0.0));
  a.beta = static_cast<float>(at.f("fused_beta", 0.0));
  return a;
}

void Activation::to_fused_attrs(Attrs& at) const {
  at.set("fused_activation", std::string(op_name(op)));
  at.set("fused_alpha", static_cast<double>(alpha));
  at.set("fused_beta", static_cast<double>(beta));
}

float Activation::operator()(float x) const {
  switch (op) {
    case OpType::Identity: return x;
    case OpType::Relu: return x > 0.f ? x : 0.f;
    case OpType::LeakyRelu: return x >= 0.f ? x : alpha * x;
    case OpType::Elu: return x >= 0.f ? x : alpha * (std::exp(x) - 1.f);
    case OpType::Selu: return beta * (x > 0.f ? x : alpha * (std::exp(x) - 1.f));
    case OpType::Sigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
    case OpType::HardSigmoid: return std::max(0.f, std::min(1.f, alpha * x + beta));
    case OpType::HardSwish: return x * std::max(0.f, std::min(1.f, x / 6.f + 0.5f));
    case OpType::Tanh: return std::tanh(x);
    case OpType::Softplus: return static_cast<float>(std::log1p(std::exp(-std::fabs(static_cast<double>(x)))) + std::max(0.0, static_cast<double>(x)));
    case OpType::Softsign: return x / (1.f + std::fabs(x));
    case OpType::Gelu: {
      double d = x;
      if (alpha != 0.f)  // tanh approximation
        return static_cast<float>(0.5 * d * (1.0 + std::tanh(0.7978845608028654 * (d + 0.044715 * d * d * d))));
      return static_cast<float>(0.5 * d * (1.0 + std::erf(d / 1.4142135623730951)));
    }
    case OpType::Erf: return std::erf(x);
    case OpType::Exp: return std::exp(x);
    case OpType::Sqrt: return std::sqrt(x);
    case OpType::Neg: return -x;
    case OpType::Abs: return std::fabs(x);
    case OpType::Clip: return std::min(std::max(x, alpha), beta);
    case OpType::ThresholdedRelu: return x > alpha ? x : 0.f;  // Keras ReLU(threshold), ThresholdedReLU
    default: SEGRT_FAIL(Internal, "not an activation: ", op_name(op));
  }
}

}  // namespace segrt
