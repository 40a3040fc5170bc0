// Every activation of ops.def on hand-checked values (ONNX defaults, computed
// independently in double precision from the ONNX definitions), through the
// reference backend. A new SEGRT_ACT line needs a row here: the coverage test
// fails for an activation without one.
#include <cmath>
#include <map>

#include "ir/activation.h"
#include "test_util.h"

namespace segrt {
namespace {

const float kX[] = {-2.f, -0.5f, 0.f, 0.5f, 3.f};

const std::map<OpType, std::vector<float>>& expected_values() {
  static const std::map<OpType, std::vector<float>> m = {
      {OpType::Relu, {0, 0, 0, 0.5, 3}},
      {OpType::LeakyRelu, {-0.02, -0.005, 0, 0.5, 3}},
      {OpType::Elu, {-0.864664717, -0.39346934, 0, 0.5, 3}},
      {OpType::Selu, {-1.52016647, -0.691758188, 0, 0.525350494, 3.15210296}},
      {OpType::Sigmoid, {0.119202922, 0.377540669, 0.5, 0.622459331, 0.952574127}},
      {OpType::HardSigmoid, {0.1, 0.4, 0.5, 0.6, 1}},
      {OpType::HardSwish, {-0.333333333, -0.208333333, 0, 0.291666667, 3}},
      {OpType::Tanh, {-0.96402758, -0.462117157, 0, 0.462117157, 0.995054754}},
      {OpType::Softplus, {0.126928011, 0.474076984, 0.693147181, 0.974076984, 3.04858735}},
      {OpType::Softsign, {-0.666666667, -0.333333333, 0, 0.333333333, 0.75}},
      {OpType::Gelu, {-0.0455002639, -0.154268769, 0, 0.345731231, 2.99595031}},
      {OpType::Erf, {-0.995322265, -0.520499878, 0, 0.520499878, 0.99997791}},
      {OpType::Exp, {0.135335283, 0.60653066, 1, 1.64872127, 20.0855369}},
      {OpType::Sqrt, {NAN, NAN, 0, 0.707106781, 1.73205081}},
      {OpType::Neg, {2, 0.5, -0, -0.5, -3}},
      {OpType::Abs, {2, 0.5, 0, 0.5, 3}},
      {OpType::Clip, {-2, -0.5, 0, 0.5, 3}},  // no bounds: unbounded
      {OpType::ThresholdedRelu, {0, 0, 0, 0, 3}},
      {OpType::Mish, {-0.252501483, -0.220743775, 0, 0.375245211, 2.986535}},
      {OpType::Celu, {-0.864664717, -0.39346934, 0, 0.5, 3}},  // alpha = 1: Elu's values
  };
  return m;
}

TEST(ActivationValues, EveryActivationHasValues) {
  for (OpType op : kActivationOps)
    EXPECT_TRUE(expected_values().count(op)) << op_name(op) << " (SEGRT_ACT in ops.def) has no row in "
                                             << "tests/unit/activation_values_test.cpp";
}

TEST(ActivationValues, ReferenceMatchesHandValues) {
  for (const auto& [op, want] : expected_values()) {
    SCOPED_TRACE(op_name(op));
    ASSERT_TRUE(Activation::is_activation(op));
    Graph g;
    int x = g.add_input("x", DType::f32, {5});
    int y = g.add_value("y");
    g.add_node(op, "act", {x}, {y});
    g.outputs.push_back(y);
    auto out = test::run_ref(g, {Tensor::from_vector(std::vector<float>(std::begin(kX), std::end(kX)), {5})});
    const float* got = out[0].data<float>();
    for (int i = 0; i < 5; ++i) {
      if (std::isnan(want[i])) {
        EXPECT_TRUE(std::isnan(got[i])) << "x=" << kX[i];
        continue;
      }
      EXPECT_NEAR(got[i], want[i], 1e-6 * (1 + std::fabs(want[i]))) << "x=" << kX[i];
    }
  }
}

// Celu's alpha away from its default (at 1 Celu equals Elu): y = alpha * (exp(x / alpha) - 1) below 0.
TEST(ActivationValues, CeluAlpha) {
  Graph g;
  int x = g.add_input("x", DType::f32, {3});
  int y = g.add_value("y");
  g.add_node(OpType::Celu, "celu", {x}, {y}).attrs.set("alpha", 2.0);
  g.outputs.push_back(y);
  auto out = test::run_ref(g, {Tensor::from_vector({-2.f, -0.5f, 1.5f}, {3})});
  const float want[] = {-1.26424112f, -0.442398433f, 1.5f};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(out[0].data<float>()[i], want[i], 1e-6f) << i;
}

}  // namespace
}  // namespace segrt
