// insert_qdq (a calibration table applied to a float model) and fuse_qdq_conv
// (DQ -> Conv -> Q into QLinearConv): the rewrite's shape, that the fused
// graph computes what the QDQ graph computes on the reference backend (the
// int32 bias rounding aside), and that int8 stays close to float.
#include <cmath>

#include "backend/backend.h"
#include "passes/insert_qdq.h"
#include "runtime/engine_impl.h"
#include "test_util.h"

namespace segrt {
namespace {

// x [1,3,9,7] -> Conv3x3 + Relu -> Conv3x3 + Relu -> Conv1x1 -> y; names: x, r1, r2, y.
Graph small_net(bool bias = true) {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 3, 9, 7});
  auto conv = [&](const std::string& name, int in, int64_t cin, int64_t cout, int64_t k, bool relu, uint32_t seed) {
    int w = g.add_constant(name + "_w", test::random_tensor({cout, cin, k, k}, seed, -0.5f, 0.5f));
    int b = g.add_constant(name + "_b", test::random_tensor({cout}, seed + 1, -0.1f, 0.1f));
    if (!bias) g.value(b).constant = Tensor(DType::f32, {cout});
    int y = g.add_value(relu ? name + "_pre" : name);
    Node& n = g.add_node(OpType::Conv, name, {in, w, b}, {y});
    n.attrs.set("pads", std::vector<int64_t>(4, k / 2));
    if (!relu) return y;
    int r = g.add_value(name == "c1" ? "r1" : "r2");
    g.add_node(OpType::Relu, name + "_relu", {y}, {r});
    return r;
  };
  int r1 = conv("c1", x, 3, 8, 3, true, 1);
  int r2 = conv("c2", r1, 8, 8, 3, true, 3);
  g.outputs = {conv("c3", r2, 8, 2, 1, false, 5)};
  return g;
}

QuantSpec spec_for(const Graph& g, const Tensor& x) {
  // Ranges from a float run: every tensor's observed min and max |.|.
  QuantSpec s;
  Graph probe = g;
  probe.outputs = {probe.find_value("r1"), probe.find_value("r2")};
  auto vals = test::run_ref(probe, {x});
  auto range = [](const Tensor& t) {
    double lo = 0, amax = 0;
    for (double v : t.to_f64_vector()) lo = std::min(lo, v), amax = std::max(amax, std::fabs(v));
    return QuantSpec::Range{lo, amax};
  };
  s.activations["x"] = range(x);
  s.activations["r1"] = range(vals[0]);
  s.activations["r2"] = range(vals[1]);
  return s;
}

Graph specialized(const Graph& g, const Tensor& x) {
  PassLog log;
  return specialize(g, {x.shape()}, log);
}

int count(const Graph& g, OpType op) {
  int k = 0;
  for (const Node& n : g.nodes) k += n.op == op;
  return k;
}

TEST(InsertQdq, QuantizesEveryConvInputAndWeights) {
  Graph g = small_net();
  Tensor x = test::random_tensor({1, 3, 9, 7}, 7);
  Graph s = specialized(g, x);
  PassLog log;
  insert_qdq(s, spec_for(g, x), log);
  EXPECT_EQ(count(s, OpType::QuantizeLinear), 3);    // x, r1, r2
  EXPECT_EQ(count(s, OpType::DequantizeLinear), 6);  // those and three weights
  for (const Node& n : s.nodes) {
    if (n.op != OpType::QuantizeLinear) continue;
    const std::string in = s.value(n.inputs[0]).name;
    // x goes below 0: int8; the ReLU outputs do not: uint8.
    EXPECT_EQ(s.value(n.outputs[0]).dtype, in == "x" ? DType::i8 : DType::u8) << in;
  }
  // Layers named in float_layers stay float.
  QuantSpec keep = spec_for(g, x);
  keep.float_layers = {"c2"};
  Graph s2 = specialized(g, x);
  insert_qdq(s2, keep, log);
  EXPECT_EQ(count(s2, OpType::QuantizeLinear), 2);
}

// What a backend asks for (Backend::quant_prefs): CUDA's int8 activations
// only, and convolutions below its channel minimum left float.
TEST(InsertQdq, BackendPrefsSignedActivationsAndChannelMinimum) {
  Graph g = small_net();
  Tensor x = test::random_tensor({1, 3, 9, 7}, 7);
  QuantSpec q = spec_for(g, x);
  q.signed_activations = true;
  Graph s = specialized(g, x);
  PassLog log;
  insert_qdq(s, q, log);
  for (const Node& n : s.nodes)
    if (n.op == OpType::QuantizeLinear) EXPECT_EQ(s.value(n.outputs[0]).dtype, DType::i8) << n.name;
  q.min_channels = 8;  // c1 reads 3 channels, c3 writes 2: only c2 (8 -> 8) is quantized
  Graph s2 = specialized(g, x);
  PassLog log2;
  insert_qdq(s2, q, log2);
  EXPECT_EQ(count(s2, OpType::QuantizeLinear), 1);
  int below = 0;
  for (const auto& l : log2.lines) below += l.find("below the backend's 8") != std::string::npos;
  EXPECT_EQ(below, 2);
  q.quantized_layers = {"c1"};  // --layer-precision c1=int8 overrides the minimum
  Graph s3 = specialized(g, x);
  insert_qdq(s3, q, log2);
  EXPECT_EQ(count(s3, OpType::QuantizeLinear), 2);
}

// fp8 keeps the first and last convolutions float unless named for fp8.
TEST(InsertQdq, Fp8LeavesTheFirstAndLastConvFloatUnlessNamed) {
  Graph g = small_net();
  Tensor x = test::random_tensor({1, 3, 9, 7}, 7);
  QuantSpec q = spec_for(g, x);
  q.precision = "fp8";
  Graph s = specialized(g, x);
  PassLog log;
  insert_qdq(s, q, log);
  EXPECT_EQ(count(s, OpType::QuantizeLinear), 1);  // c2's input only
  for (const Node& n : s.nodes)
    if (n.op == OpType::QuantizeLinear) EXPECT_EQ(s.value(n.inputs[0]).name, "r1");
  q.quantized_layers = {"c1", "c3"};
  Graph s2 = specialized(g, x);
  insert_qdq(s2, q, log);
  EXPECT_EQ(count(s2, OpType::QuantizeLinear), 3);
}

// Runs the QDQ graph and its fused form on the reference backend; returns
// (max |fused - qdq|, max |qdq - float|), both relative to max |float|.
std::pair<double, double> fused_vs_qdq(bool bias, int* fused_convs, int* u8_outputs) {
  Graph g = small_net(bias);
  Tensor x = test::random_tensor({1, 3, 9, 7}, 7);
  Graph q = specialized(g, x);
  PassLog log;
  insert_qdq(q, spec_for(g, x), log);
  Graph fused = q;
  run_optimization_passes(fused, log);
  *fused_convs = count(fused, OpType::QLinearConv) * 10 + count(fused, OpType::Conv);
  *u8_outputs = 0;
  for (const Node& n : fused.nodes)
    if (n.op == OpType::QLinearConv) *u8_outputs += fused.value(n.outputs[0]).dtype == DType::u8;
  auto ref = make_backend("ref");
  CompileOptions o;
  auto want = ref->compile(q, o)->run({x}, nullptr)[0];
  auto got = ref->compile(fused, o)->run({x}, nullptr)[0];
  auto fp = test::run_ref(g, {x})[0];
  double m = 0;
  for (double v : fp.to_f64_vector()) m = std::max(m, std::fabs(v));
  return {test::max_abs_error(got, want) / m, test::max_abs_error(want, fp) / m};
}

TEST(FuseQdqConv, FusedGraphComputesTheQdqGraph) {
  int convs, u8;
  // Without biases the fusion is exact: the integer accumulator scaled once
  // equals the float convolution of dequantized values (up to float rounding).
  auto [exact, drift] = fused_vs_qdq(false, &convs, &u8);
  EXPECT_EQ(convs, 30);  // three QLinearConv, no Conv left
  EXPECT_EQ(u8, 2);      // c1, c2: their ReLU outputs feed only QuantizeLinear, so they write uint8
  EXPECT_LE(exact, 1e-5);
  EXPECT_LE(drift, 0.05);  // and int8 stays near float32
  // With biases, ONNX's int32 bias (rounded to half an accumulator step) may
  // decide a requantization tie the other way: one uint8 step here and there.
  auto [biased, drift_b] = fused_vs_qdq(true, &convs, &u8);
  EXPECT_LE(biased, 0.02);
  EXPECT_LE(drift_b, 0.05);
}

TEST(FuseQdqConv, FoldsWeightsOfConvsItLeavesFloat) {
  // Conv(x float, DQ(int8 weights)): no quantized activation, so the Conv
  // stays float; fold_constants kept the DequantizeLinear for this pass, which
  // folds it back into a constant the fast backends need.
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 2, 5, 5});
  Tensor wq(DType::i8, {3, 2, 1, 1});
  for (int i = 0; i < 6; ++i) wq.data<int8_t>()[i] = static_cast<int8_t>(i * 20 - 50);
  int wdq = g.add_value("w");
  g.add_node(OpType::DequantizeLinear, "w_dq", {g.add_constant("wq", wq), g.add_constant("ws", Tensor::scalar_f32(0.01f))},
             {wdq});
  int y = g.add_value("y");
  g.add_node(OpType::Conv, "conv", {x, wdq}, {y});
  g.outputs = {y};
  Tensor in = test::random_tensor({1, 2, 5, 5}, 3);
  Graph s = specialized(g, in);
  EXPECT_EQ(count(s, OpType::DequantizeLinear), 1);  // kept by fold_constants
  PassLog log;
  Graph o = s;
  run_optimization_passes(o, log);
  EXPECT_EQ(count(o, OpType::DequantizeLinear), 0);
  ASSERT_EQ(count(o, OpType::Conv), 1);
  EXPECT_TRUE(o.value(o.nodes[0].inputs[1]).is_constant());
  CompileOptions co;
  auto folded = make_backend("ref")->compile(o, co)->run({in}, nullptr)[0];
  EXPECT_EQ(test::max_abs_error(folded, test::run_ref(g, {in})[0]), 0.0);
}

}  // namespace
}  // namespace segrt
