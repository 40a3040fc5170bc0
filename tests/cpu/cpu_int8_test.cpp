// The CPU backend's int8 path against the reference: QLinearConv on
// oneDNN's int8 convolutions (uint8 and int8 sources, per-channel weights,
// float or requantized outputs, fused ReLU / LeakyRelu, groups, strides,
// odd sizes, x and y zero points: ONNX Runtime's uint8 models) and
// QuantizeLinear / DequantizeLinear as scaling reorders.
// oneDNN computes the scales in float32 (the reference in float64): a value
// within float rounding of a .5 tie may land one step away, so 8-bit outputs
// may differ by one step, float outputs by float rounding.
#include <cmath>

#include "backend/backend.h"
#include "ops/op_tester.h"
#include "test_util.h"

namespace segrt {
namespace {

struct Case {
  int64_t n = 1, c = 3, h = 9, w = 7, o = 8, k = 3, stride = 1, group = 1;
  DType x_type = DType::u8;
  bool requantize = true, per_channel = true, bias = true;
  std::string act;  // "" or an activation op name
  int xz = 0, yz = 0;  // zero points (uint8 x / y)
};

Tensor zero_point(DType t, int v) {
  Tensor z(t, {});
  if (t == DType::u8) z.data<uint8_t>()[0] = static_cast<uint8_t>(v);
  else z.data<int8_t>()[0] = static_cast<int8_t>(v);
  return z;
}

Tensor random_int8(DType t, Shape s, uint32_t seed) {
  std::mt19937 rng(seed);
  Tensor r(t, s);
  for (int64_t i = 0; i < r.numel(); ++i) {
    if (t == DType::u8) r.data<uint8_t>()[i] = static_cast<uint8_t>(rng() % 256);
    else r.data<int8_t>()[i] = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  }
  return r;
}

Graph qlinear_conv(const Case& k, Tensor* xq) {
  Graph g;
  *xq = random_int8(k.x_type, {k.n, k.c, k.h, k.w}, 11);
  int x = g.add_input("x", k.x_type, xq->shape());
  Tensor ws(DType::f32, {k.per_channel ? k.o : 1});
  for (int64_t i = 0; i < ws.numel(); ++i) ws.data<float>()[i] = 0.002f * static_cast<float>(1 + i % 5);
  Tensor bias(DType::i32, {k.o});
  for (int64_t i = 0; i < k.o; ++i) bias.data<int32_t>()[i] = static_cast<int32_t>(i * 37 % 400) - 200;
  std::vector<int> in = {x,
                         g.add_constant("xs", Tensor::scalar_f32(0.02f)),
                         g.add_constant("xz", zero_point(k.x_type, k.xz)),
                         g.add_constant("w", random_int8(DType::i8, {k.o, k.c / k.group, k.k, k.k}, 12)),
                         g.add_constant("ws", ws),
                         g.add_constant("wz", Tensor(DType::i8, {})),
                         k.requantize ? g.add_constant("ys", Tensor::scalar_f32(0.05f)) : -1,
                         k.requantize ? g.add_constant("yz", zero_point(DType::u8, k.yz)) : -1,
                         k.bias ? g.add_constant("b", bias) : -1};
  int y = g.add_value("y");
  Node& n = g.add_node(OpType::QLinearConv, "qconv", in, {y});
  n.attrs.set("pads", std::vector<int64_t>(4, k.k / 2));
  n.attrs.set("strides", std::vector<int64_t>{k.stride, k.stride});
  n.attrs.set("group", k.group);
  if (!k.act.empty()) {
    n.attrs.set("fused_activation", k.act);
    n.attrs.set("fused_alpha", 0.1);
  }
  g.outputs = {y};
  return g;
}

void expect_matches_reference(const Case& k, const std::string& what) {
  Tensor xq;
  Graph g = qlinear_conv(k, &xq);
  auto want = test::run_ref(g, {xq})[0];
  std::vector<std::string> fell_back;  // on oneDNN, not the reference kernel
  test::compile_watching("cpu", test::prepared_graph("cpu", g, {xq}, true), "fp32", &fell_back);
  for (const auto& f : fell_back) ADD_FAILURE() << what << ": not native: " << f;
  auto got = test::run_backend("cpu", g, {xq})[0];
  ASSERT_EQ(shape_str(got.shape()), shape_str(want.shape())) << what;
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  auto a = got.to_f64_vector(), b = want.to_f64_vector();
  double worst = 0;
  int64_t off = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(a[i] - b[i]);
    worst = std::max(worst, k.requantize ? d : d / (std::fabs(b[i]) + 1e-3));
    off += d > 0;
  }
  if (k.requantize) {
    EXPECT_LE(worst, 1.0) << what << ": 8-bit outputs at most one step apart";
    EXPECT_LE(off, static_cast<int64_t>(a.size()) / 100 + 1) << what << ": off-by-one steps are rare ties";
  } else {
    EXPECT_LE(worst, 1e-5) << what;
  }
}

TEST(CpuInt8, QLinearConvMatchesTheReference) {
  SEGRT_REQUIRE_CPU_BACKEND();
  expect_matches_reference({}, "uint8 in, uint8 out");
  Case s8;
  s8.x_type = DType::i8;
  expect_matches_reference(s8, "int8 in");
  Case f;
  f.requantize = false;
  expect_matches_reference(f, "float out");
  Case relu;
  relu.act = "Relu";
  relu.requantize = false;
  expect_matches_reference(relu, "fused relu, float out");
  Case leaky;
  leaky.act = "LeakyRelu";
  expect_matches_reference(leaky, "fused leaky relu, uint8 out");
  Case odd;
  odd.n = 2, odd.c = 13, odd.h = 13, odd.w = 1, odd.o = 3, odd.k = 1, odd.per_channel = false, odd.bias = false;
  expect_matches_reference(odd, "1x1, odd sizes, per-tensor weights, no bias");
  Case grouped;
  grouped.c = 4, grouped.o = 6, grouped.group = 2, grouped.stride = 2, grouped.h = 127, grouped.w = 3;
  expect_matches_reference(grouped, "groups, stride 2");
  // Zero points (padding included: ONNX pads with x's zero point, a real 0).
  Case zp;
  zp.xz = 128, zp.yz = 100;
  expect_matches_reference(zp, "x zero point 128, y zero point 100");
  Case zp_odd;
  zp_odd.xz = 37, zp_odd.yz = 3, zp_odd.act = "Relu", zp_odd.stride = 2;
  expect_matches_reference(zp_odd, "odd zero points, relu, stride 2");
  Case zp_float;
  zp_float.xz = 200, zp_float.requantize = false;
  expect_matches_reference(zp_float, "x zero point 200, float out");
}

TEST(CpuInt8, QuantizeAndDequantizeMatchTheReference) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct Z {
    DType t;
    int zp;
  };
  // int8 with 0; uint8 with ONNX Runtime's 128 and an odd one (ties may go a step the other way).
  for (Z k : {Z{DType::i8, 0}, Z{DType::u8, 128}, Z{DType::u8, 37}, Z{DType::i8, -5}}) {
    const std::string what = std::string(dtype_name(k.t)) + " zero point " + std::to_string(k.zp);
    Graph g;
    Tensor x = test::random_tensor({1, 5, 13, 3}, 4, -3.f, 3.f);
    int xi = g.add_input("x", DType::f32, x.shape());
    int s = g.add_constant("s", Tensor::scalar_f32(0.025f));
    int z = g.add_constant("z", zero_point(k.t, k.zp));
    int q = g.add_value("q"), y = g.add_value("y");
    g.add_node(OpType::QuantizeLinear, "q", {xi, s, z}, {q});
    g.add_node(OpType::DequantizeLinear, "dq", {q, s, z}, {y});
    g.outputs = {y, q};
    std::vector<std::string> fell_back;
    test::compile_watching("cpu", test::prepared_graph("cpu", g, {x}, true), "fp32", &fell_back);
    for (const auto& f : fell_back) ADD_FAILURE() << what << ": not native: " << f;
    auto want = test::run_ref(g, {x});
    auto got = test::run_backend("cpu", g, {x});
    // Saturation and round-to-nearest-even agree; only ties may move one step.
    EXPECT_LE(test::max_abs_error(got[0], want[0]), 0.025 + 1e-6) << what;
    EXPECT_LE(test::max_abs_error(got[1], want[1]), 1.0) << what;
    int off = 0;
    auto a = got[1].to_f64_vector(), b = want[1].to_f64_vector();
    for (size_t i = 0; i < a.size(); ++i) off += a[i] != b[i];
    EXPECT_LE(off, 2) << what;
  }
}

TEST(CpuInt8, PoolResizeConcatRunOnEightBitData) {
  // A QDQ skip connection as insert_qdq (shared scales) or ONNX Runtime's
  // quantizer writes it: DQ -> MaxPool / nearest Resize / Concat -> Q at one
  // scale and zero point. sink_dequantize moves them onto the uint8 tensors;
  // the CPU must run them there natively and give the reference's bytes.
  SEGRT_REQUIRE_CPU_BACKEND();
  for (int zp : {0, 128}) {
    const std::string what = "zero point " + std::to_string(zp);
    Graph g;
    Tensor aq = random_int8(DType::u8, {1, 16, 10, 12}, 21);
    int a = g.add_input("a", DType::u8, aq.shape());
    int s = g.add_constant("s", Tensor::scalar_f32(0.05f)), z = g.add_constant("z", zero_point(DType::u8, zp));
    int af = g.add_value("af"), u = g.add_value("u"), cat = g.add_value("cat"), y = g.add_value("y");
    g.add_node(OpType::DequantizeLinear, "dq", {a, s, z}, {af});
    int p = test::add_max_pool_2x2(g, af, "pool");
    Tensor scales(DType::f32, {4});
    for (int i = 0; i < 4; ++i) scales.data<float>()[i] = i < 2 ? 1.f : 2.f;
    g.add_node(OpType::Resize, "up", {p, -1, g.add_constant("scales", scales)}, {u}).attrs.set("mode", std::string("nearest"));
    g.add_node(OpType::Concat, "concat", {u, af}, {cat}).attrs.set("axis", int64_t{1});
    int yq = g.add_value("yq");
    g.add_node(OpType::QuantizeLinear, "q", {cat, s, z}, {yq});
    g.add_node(OpType::DequantizeLinear, "dq_out", {yq, s, z}, {y});
    g.outputs = {y};
    Graph prepared = test::prepared_graph("cpu", g, {aq}, true);
    for (const Node& n : prepared.nodes) {
      EXPECT_NE(n.op, OpType::QuantizeLinear) << what << ": Q(DQ) at one scale is removed";
      if (n.op == OpType::MaxPool || n.op == OpType::Resize || n.op == OpType::Concat) {
        EXPECT_EQ(prepared.value(n.outputs[0]).dtype, DType::u8) << what << ": " << n.name;
      }
    }
    std::vector<std::string> fell_back;
    test::compile_watching("cpu", prepared, "fp32", &fell_back);
    for (const auto& f : fell_back) ADD_FAILURE() << what << ": not native: " << f;
    auto want = test::run_ref(g, {aq})[0];
    auto got = test::run_backend("cpu", g, {aq})[0];
    EXPECT_EQ(test::max_abs_error(got, want), 0.0) << what << ": only data movement, so exact";
  }
}

}  // namespace
}  // namespace segrt
