// insert_qdq (a calibration table applied to a float model) and fuse_qdq_conv
// (DQ -> Conv -> Q into QLinearConv): the rewrite's shape, that the fused
// graph computes what the QDQ graph computes on the reference backend (the
// int32 bias rounding aside), and that int8 stays close to float.
#include <cmath>

#include "backend/backend.h"
#include "passes/insert_qdq.h"
#include "ir/shape.h"
#include "passes/pass_util.h"
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

// Runs the float graph g, its QDQ form q and q's fused form on the reference
// backend; returns (max |fused - qdq|, max |qdq - float|), both relative to max |float|.
std::pair<double, double> drifts(const Graph& g, const Graph& q, const Graph& fused, const Tensor& x) {
  auto ref = make_backend("ref");
  CompileOptions o;
  auto want = ref->compile(q, o)->run({x}, nullptr)[0];
  auto got = ref->compile(fused, o)->run({x}, nullptr)[0];
  auto fp = test::run_ref(g, {x})[0];
  double m = 0;
  for (double v : fp.to_f64_vector()) m = std::max(m, std::fabs(v));
  return {test::max_abs_error(got, want) / m, test::max_abs_error(want, fp) / m};
}

// small_net through insert_qdq and the pass pipeline: drifts() of the result.
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
  return drifts(g, q, fused, x);
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

// fp8 (a backend with fp8 convolutions, PassOptions::fp8_convolutions): the
// e4m3fn pattern becomes segrt's fp8 QLinearConv (its output requantized to
// e4m3fn where a QuantizeLinear alone reads it); without the option fp8 Q/DQ
// stay (the float simulation). The reference runs both forms alike.
TEST(FuseQdqConv, Fp8FormOnlyWhenTheBackendHasFp8Convolutions) {
  Graph g = small_net();
  Tensor x = test::random_tensor({1, 3, 9, 7}, 7);
  QuantSpec spec = spec_for(g, x);
  spec.precision = "fp8";
  spec.quantized_layers = {"c1", "c2", "c3"};  // every conv, so c2 -> c3 requantizes
  Graph q = specialized(g, x);
  PassLog log;
  insert_qdq(q, spec, log);
  Graph sim = q, fused = q;
  run_optimization_passes(sim, log);
  EXPECT_EQ(count(sim, OpType::QLinearConv), 0) << "no fp8 convolutions asked for";
  run_optimization_passes(fused, log, {.fp8_convolutions = true});
  EXPECT_EQ(count(fused, OpType::QLinearConv), 3);
  EXPECT_EQ(count(fused, OpType::Conv), 0);
  int fp8_outputs = 0;
  for (const Node& n : fused.nodes)
    if (n.op == OpType::QLinearConv) {
      EXPECT_EQ(fused.value(n.inputs[0]).dtype, DType::f8e4m3fn) << n.name;
      EXPECT_EQ(fused.value(n.inputs[3]).dtype, DType::f8e4m3fn) << n.name;
      fp8_outputs += fused.value(n.outputs[0]).dtype == DType::f8e4m3fn;
    }
  EXPECT_EQ(fp8_outputs, 2) << "c1 and c2 write e4m3fn for the next convolution";
  auto [fusion, drift] = drifts(g, q, fused, x);
  // The int32 bias (half an accumulator step off at most) can move a value
  // across an e4m3 rounding boundary: one step of 3 mantissa bits is 1/16 of a
  // value at most, and it carries on smaller through the next layer.
  EXPECT_LE(fusion, 0.07);
  EXPECT_LE(drift, 0.15) << "fp8 stays near float32";
  EXPECT_GT(drift, 0.0) << "the table quantized something";
}

// A U-Net level: x -> c1 + Relu = e -> MaxPool = p -> c2 + Relu = d ->
// nearest 2x Resize = u -> Concat(u, e) = cat -> c3 = y. Ranges for every tensor.
Graph unet_level() {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 3, 8, 8});
  auto conv = [&](const std::string& name, int in, int64_t cin, int64_t cout, bool relu, uint32_t seed) {
    int w = g.add_constant(name + "_w", test::random_tensor({cout, cin, 3, 3}, seed, -0.5f, 0.5f));
    int b = g.add_constant(name + "_b", test::random_tensor({cout}, seed + 1, -0.1f, 0.1f));
    int y = g.add_value(name + (relu ? "_pre" : ""));
    g.add_node(OpType::Conv, name, {in, w, b}, {y}).attrs.set("pads", std::vector<int64_t>(4, 1));
    if (!relu) return y;
    int r = g.add_value(name + "_out");
    g.add_node(OpType::Relu, name + "_relu", {y}, {r});
    return r;
  };
  int e = conv("c1", x, 3, 8, true, 1);
  int p = test::add_max_pool_2x2(g, e, "p");
  int d = conv("c2", p, 8, 8, true, 3);
  int u = g.add_value("u");
  Tensor scales(DType::f32, {4});
  for (int i = 0; i < 4; ++i) scales.data<float>()[i] = i < 2 ? 1.f : 2.f;
  g.add_node(OpType::Resize, "up", {d, -1, g.add_constant("scales", scales)}, {u}).attrs.set("mode", std::string("nearest"));
  int cat = g.add_value("cat");
  g.add_node(OpType::Concat, "concat", {u, e}, {cat}).attrs.set("axis", int64_t{1});
  g.outputs = {conv("c3", cat, 16, 2, false, 5)};
  return g;
}

QuantSpec unet_level_spec(const Graph& g, const Tensor& x) {
  QuantSpec s;
  Graph probe = g;
  const std::vector<std::string> names = {"x", "c1_out", "p", "c2_out", "u", "cat"};
  probe.outputs.clear();
  for (const auto& n : names) probe.outputs.push_back(probe.find_value(n));
  auto vals = test::run_ref(probe, {x});
  for (size_t k = 0; k < names.size(); ++k) {
    double lo = 0, amax = 0;
    for (double v : vals[k].to_f64_vector()) lo = std::min(lo, v), amax = std::max(amax, std::fabs(v));
    s.activations[names[k]] = {lo, amax};
  }
  s.shared_scales = true;
  return s;
}

// g (unet_level, maybe changed) specialised to x, with its shared-scale table applied.
Graph unet_level_qdq(const Graph& g, const Tensor& x, PassLog& log) {
  Graph s = specialized(g, x);
  insert_qdq(s, unet_level_spec(g, x), log);
  return s;
}

TEST(InsertQdq, SharedScalesQuantizeWhereAGroupStarts) {
  Graph g = unet_level();
  Tensor x = test::random_tensor({1, 3, 8, 8}, 9);
  Graph s = specialized(g, x);
  QuantSpec spec = unet_level_spec(g, x);
  PassLog log;
  insert_qdq(s, spec, log);
  // x; e and d (the group {e, p, d, u, cat} starts at the two convolutions' outputs).
  ASSERT_EQ(count(s, OpType::QuantizeLinear), 3);
  double group_scale = -1;
  for (const Node& n : s.nodes) {
    if (n.op != OpType::QuantizeLinear) continue;
    const std::string in = s.value(n.inputs[0]).name;
    const double sc = s.value(n.inputs[1]).constant.to_f64_vector()[0];
    if (in == "x") continue;
    EXPECT_TRUE(in == "c1_out" || in == "c2_out") << in;
    EXPECT_EQ(s.value(n.outputs[0]).dtype, DType::u8) << in;
    if (group_scale < 0) group_scale = sc;
    EXPECT_EQ(sc, group_scale) << in << ": one scale for the group";
  }
  // The group's range is the union of its members' (the concat holds the largest values).
  const double amax = std::max(spec.activations["cat"].amax, spec.activations["p"].amax);
  EXPECT_NEAR(group_scale, amax / 255.0, 1e-7);
  // The pool, the resize and the concat read dequantized tensors (or each
  // other's outputs); no Q before c2 or c3.
  for (const Node& n : s.nodes) {
    if (n.op != OpType::MaxPool && n.op != OpType::Resize && n.op != OpType::Concat) continue;
    for (int v : pass_util::int8_exact_inputs(s, n)) {
      const OpType p = s.nodes[s.value(v).producer].op;
      EXPECT_TRUE(p == OpType::DequantizeLinear || !pass_util::int8_exact_inputs(s, s.nodes[s.value(v).producer]).empty())
          << n.name << " reads " << s.value(v).name;
    }
  }
  bool logged = false;
  for (const auto& l : log.lines) logged |= l.find("one 8-bit scale") != std::string::npos;
  EXPECT_TRUE(logged);

  // Without shared scales (a backend without 8-bit pools): Q before each convolution, as before.
  Graph t = specialized(g, x);
  spec.shared_scales = false;
  insert_qdq(t, spec, log);
  EXPECT_EQ(count(t, OpType::QuantizeLinear), 3);  // x, p, cat
  for (const Node& n : t.nodes) {
    if (n.op == OpType::QuantizeLinear) {
      EXPECT_NE(t.value(n.inputs[0]).name, "c1_out");
    }
  }
}

TEST(InsertQdq, SharedScalesLeaveFloatReadersFloat) {
  // e is also a graph output: the pool and concat still join (their readers
  // are quantized convolutions), but e's own float reader (the output) keeps float32.
  Graph g = unet_level();
  g.outputs.push_back(g.find_value("c1_out"));
  PassLog log;
  Graph s = unet_level_qdq(g, test::random_tensor({1, 3, 8, 8}, 9), log);
  EXPECT_EQ(count(s, OpType::QuantizeLinear), 3);  // x, e, d: the group is still joined
  const Value& e = s.value(s.outputs[1]);
  EXPECT_EQ(e.name, "c1_out");
  EXPECT_EQ(s.nodes[e.producer].op, OpType::Relu) << "the graph output reads e itself, not its DQ";
}

TEST(SinkDequantize, ExactAndEightBitBetweenConvolutions) {
  Tensor x = test::random_tensor({1, 3, 8, 8}, 9);
  PassLog log;
  Graph s = unet_level_qdq(unet_level(), x, log);
  const auto want = test::run_ref(s, {x})[0];
  Graph sunk = s;
  sink_dequantize(sunk, log);
  verify_graph(sunk);

  for (const Node& n : sunk.nodes) {
    if (n.op == OpType::MaxPool || n.op == OpType::Resize || n.op == OpType::Concat) {
      EXPECT_EQ(sunk.value(n.outputs[0]).dtype, DType::u8) << n.name << " runs on 8-bit data";
    }
  }
  // The rewrite is exact: the same numbers, bit for bit.
  EXPECT_EQ(test::max_abs_error(test::run_ref(sunk, {x})[0], want), 0.0);
  // Then fuse_qdq_conv: c1 and c2 write uint8, and the only QuantizeLinear left is the image's.
  Graph fused = s;  // the backends' pipeline: fuse_activation first, so the ReLUs ride into the convs
  run_optimization_passes(fused, log, {.int8_data_movement = true});
  EXPECT_EQ(count(fused, OpType::QuantizeLinear), 1);
  EXPECT_EQ(count(fused, OpType::QLinearConv), 3);
  int u8_convs = 0;
  for (const Node& n : fused.nodes) u8_convs += n.op == OpType::QLinearConv && fused.value(n.outputs[0]).dtype == DType::u8;
  EXPECT_EQ(u8_convs, 2);
  // Fused, the int32 bias rounding may move a requantization tie by one step.
  const auto got = test::run_ref(fused, {x})[0];
  double m = 0;
  for (double v : want.to_f64_vector()) m = std::max(m, std::fabs(v));
  EXPECT_LE(test::max_abs_error(got, want) / m, 0.05);
}

TEST(SinkDequantize, LeavesMixedScalesAndNegativeScalesAlone) {
  // Concat of two DequantizeLinear with different scales, and a MaxPool after a negative scale: untouched.
  Graph g;
  int a = g.add_input("a", DType::u8, {1, 2, 4, 4}), b = g.add_input("b", DType::u8, {1, 2, 4, 4});
  int z = g.add_constant("z", Tensor(DType::u8, {}));
  int af = g.add_value("af"), bf = g.add_value("bf"), cat = g.add_value("cat"), bn = g.add_value("bn");
  g.add_node(OpType::DequantizeLinear, "dqa", {a, g.add_constant("sa", Tensor::scalar_f32(0.1f)), z}, {af});
  g.add_node(OpType::DequantizeLinear, "dqb", {b, g.add_constant("sb", Tensor::scalar_f32(0.2f)), z}, {bf});
  g.add_node(OpType::DequantizeLinear, "dqn", {b, g.add_constant("sn", Tensor::scalar_f32(-0.2f)), z}, {bn});
  g.add_node(OpType::Concat, "concat", {af, bf}, {cat}).attrs.set("axis", int64_t{1});
  int p = test::add_max_pool_2x2(g, bn, "p");
  g.outputs = {cat, p};
  PassLog log;
  Graph s = specialize(g, {Shape{1, 2, 4, 4}, Shape{1, 2, 4, 4}}, log);
  Graph t = s;
  sink_dequantize(t, log);
  EXPECT_TRUE(log.lines.empty());
  EXPECT_EQ(count(t, OpType::DequantizeLinear), 3);
}

TEST(InsertQdq, ZeroPadBeforeAConvIsQuantizedBeforeThePad) {
  // PyTorch's 'same' 2x2 convolution: F.pad (0, 1, 0, 1) + Conv. Q -> DQ go
  // before the Pad (its input's range stands for its output), so the Pad
  // still merges into the convolution and the convolution becomes 8-bit.
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 4, 6, 6});
  Tensor pads(DType::i64, {8});
  for (int i = 0; i < 8; ++i) pads.data<int64_t>()[i] = (i == 6 || i == 7) ? 1 : 0;
  int xp = g.add_value("xp"), y = g.add_value("y");
  g.add_node(OpType::Pad, "pad", {x, g.add_constant("pads", pads)}, {xp});
  g.add_node(OpType::Conv, "conv", {xp, g.add_constant("w", test::random_tensor({8, 4, 2, 2}, 5, -0.5f, 0.5f))}, {y});
  g.outputs = {y};
  Tensor in = test::random_tensor({1, 4, 6, 6}, 6, 0.f, 1.f);
  QuantSpec spec;
  spec.activations["xp"] = {0.0, 1.0};
  Graph s = specialized(g, in);
  PassLog log;
  insert_qdq(s, spec, log);
  ASSERT_EQ(count(s, OpType::QuantizeLinear), 1);
  for (const Node& n : s.nodes) {
    if (n.op == OpType::QuantizeLinear) EXPECT_EQ(s.value(n.inputs[0]).name, "x") << "quantized before the Pad";
  }
  Graph o = s;
  run_optimization_passes(o, log);
  EXPECT_EQ(count(o, OpType::Pad), 0);
  ASSERT_EQ(count(o, OpType::QLinearConv), 1);
  const auto want = test::run_ref(s, {in})[0], got = test::run_ref(o, {in})[0];
  EXPECT_LE(test::max_abs_error(got, want), 1e-5) << "the merged padding pads with a real zero too";

  // A backend whose 8-bit convolution takes one pad per axis (CUDA) leaves it float.
  Graph t = specialized(g, in);
  spec.symmetric_pads_only = true;
  insert_qdq(t, spec, log);
  EXPECT_EQ(count(t, OpType::QuantizeLinear), 0);
  bool said = false;
  for (const auto& l : log.lines) said |= l.find("one pad per axis") != std::string::npos;
  EXPECT_TRUE(said);
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
