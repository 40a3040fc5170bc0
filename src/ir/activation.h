// An activation with its parameters, read from a node. The formulas live in
// ir/activation_math.h (shared with the CUDA kernels); this adds what needs the
// IR: attribute defaults, Clip's bound inputs and the fused_* attributes, so a
// fused activation computes exactly what the standalone op does.
//
//   Activation a = Activation::from_node(node);   // Relu, LeakyRelu(alpha), Clip(min,max)...
//   float y = a(x);
//
// A node carries a fused activation as attributes fused_activation (op name),
// fused_alpha, fused_beta (see Activation::from_fused_attrs).
#pragma once
#include <string>

#include "ir/activation_math.h"
#include "ir/graph.h"

namespace segrt {

// The activation code of an op; act::Kind::None for Identity and for ops that
// are not activations (SEGRT_ACT lines of ops.def).
inline act::Kind activation_kind(OpType op) {
  switch (op) {
#define SEGRT_OP(Name)
#define SEGRT_ACT(Name) \
  case OpType::Name: return act::Kind::Name;
#include "ir/ops.def"
#undef SEGRT_ACT
#undef SEGRT_OP
    default: return act::Kind::None;
  }
}

// Every activation op, in ops.def order (for registrations and tests).
inline constexpr OpType kActivationOps[] = {
#define SEGRT_OP(Name)
#define SEGRT_ACT(Name) OpType::Name,
#include "ir/ops.def"
#undef SEGRT_ACT
#undef SEGRT_OP
};

// Neg, Abs and Clip also take integer tensors; every other activation maps float -> float.
inline bool activation_takes_integers(OpType op) { return op == OpType::Neg || op == OpType::Abs || op == OpType::Clip; }

// Registers fn for every activation op through a registry's register function:
//   const bool registered = register_for_activations(register_kernel, unary_kernel);
template <class Register, class Fn>
bool register_for_activations(Register reg, Fn fn) {
  for (OpType op : kActivationOps) reg(op, fn);
  return true;
}

struct Activation {
  OpType op = OpType::Identity;  // Identity = none
  float alpha = 0.f, beta = 0.f;

  // The SEGRT_ACT ops of ops.def, and Identity (no activation).
  static bool is_activation(OpType op) { return op == OpType::Identity || activation_kind(op) != act::Kind::None; }
  // From a standalone activation node (Clip reads constant min/max inputs from g).
  static Activation from_node(const Graph& g, const Node& n);
  // From an op and its attributes; Clip's bounds (inputs) start at -inf / +inf.
  static Activation from_attrs(OpType op, const Attrs& at);
  // From the fused_* attributes of a producer node; Identity when absent.
  static Activation from_fused_attrs(const Attrs& a);
  void to_fused_attrs(Attrs& a) const;

  float operator()(float x) const { return act::apply(activation_kind(op), x, alpha, beta); }
  bool none() const { return op == OpType::Identity; }
};

}  // namespace segrt
