// Scalar activation functions, defined once and used by the reference
// unary kernels and by every fused "conv + activation" path, so a fused
// activation computes exactly what the standalone op does.
//
//   Activation a = Activation::from_node(node);   // Relu, LeakyRelu(alpha), Clip(min,max)...
//   float y = a(x);
//
// A node carries a fused activation as attributes fused_activation (op name),
// fused_alpha, fused_beta (see Activation::from_fused_attrs).
#pragma once
#include <string>

#include "ir/graph.h"

namespace segrt {

struct Activation {
  OpType op = OpType::Identity;  // Identity = none
  float alpha = 0.f, beta = 0.f;

  // Ops that are elementwise, one input, one output, and map float -> float.
  static bool is_activation(OpType op);
  // From a standalone activation node (Clip reads constant min/max inputs from g).
  static Activation from_node(const Graph& g, const Node& n);
  // From an op and its attributes; Clip's bounds (inputs) start at -inf / +inf.
  static Activation from_attrs(OpType op, const Attrs& at);
  // From the fused_* attributes of a producer node; Identity when absent.
  static Activation from_fused_attrs(const Attrs& a);
  void to_fused_attrs(Attrs& a) const;

  float operator()(float x) const;
  bool none() const { return op == OpType::Identity; }
};

}  // namespace segrt
