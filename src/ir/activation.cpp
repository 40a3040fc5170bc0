// Activation parameters from nodes (ONNX semantics and defaults); the
// formulas are in ir/activation_math.h.
#include "ir/activation.h"

#include <limits>

namespace segrt {

Activation Activation::from_attrs(OpType op, const Attrs& at) {
  SEGRT_CHECK(is_activation(op), Internal, op_name(op), " is not an activation");
  Activation a;
  a.op = op;
  switch (op) {
    case OpType::LeakyRelu: a.alpha = static_cast<float>(at.f("alpha", 0.01)); break;
    case OpType::Elu: a.alpha = static_cast<float>(at.f("alpha", 1.0)); break;
    case OpType::ThresholdedRelu: a.alpha = static_cast<float>(at.f("alpha", 1.0)); break;
    case OpType::Celu: a.alpha = static_cast<float>(at.f("alpha", 1.0)); break;
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

}  // namespace segrt
