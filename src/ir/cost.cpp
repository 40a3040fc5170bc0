// MAC and parameter counts.
#include "ir/cost.h"

namespace segrt {

int64_t node_macs(const Graph& g, const Node& n) {
  auto shape = [&](int i) -> const Shape& { return g.value(n.inputs.at(i)).shape; };
  const Shape& out = g.value(n.outputs.at(0)).shape;
  switch (n.op) {
    case OpType::Conv: case OpType::ConvInteger: case OpType::QLinearConv: {
      // every output element: (Cin/group) * prod(kernel) MACs
      const Shape& w = shape(n.op == OpType::QLinearConv ? 3 : 1);
      int64_t per = 1;
      for (size_t d = 1; d < w.size(); ++d) per *= w[d];
      return shape_numel(out) * per;
    }
    case OpType::ConvTranspose: {  // every input element scatters into (Cout/group) * prod(kernel)
      const Shape& w = shape(1);
      int64_t per = 1;
      for (size_t d = 1; d < w.size(); ++d) per *= w[d];
      return shape_numel(shape(0)) * per;
    }
    case OpType::Gemm: {
      const Shape& a = shape(0);
      int64_t k = n.attrs.i("transA", 0) ? a[0] : a[1];
      return shape_numel(out) * k;
    }
    case OpType::MatMul: {
      const Shape& a = shape(0);
      return shape_numel(out) * (a.empty() ? 1 : a.back());
    }
    default:
      return 0;
  }
}

// Only learned tensors count: weights, biases, normalisation statistics and
// slopes. Constant operands that configure an op (Resize scales, Clip bounds,
// Pad values, Reshape shapes) are not parameters, though they are float.
int64_t node_params(const Graph& g, const Node& n) {
  switch (n.op) {
    case OpType::Conv: case OpType::ConvTranspose: case OpType::Gemm: case OpType::MatMul:
    case OpType::BatchNormalization: case OpType::InstanceNormalization: case OpType::PRelu:
    case OpType::Add: case OpType::Sub: case OpType::Mul: case OpType::Div:
      break;
    default:
      return 0;
  }
  int64_t p = 0;
  for (int in : n.inputs)
    if (in >= 0 && g.value(in).is_constant() && dtype_is_float(g.value(in).dtype)) p += g.value(in).constant.numel();
  return p;
}
}  // namespace segrt
