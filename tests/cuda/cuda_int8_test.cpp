// The CUDA int8 path (docs/int8.md) against the reference backend, which runs
// the same QDQ graph exactly: a calibrated conv chain (insert_qdq as the CUDA
// backend asks for it: int8 activations) fused into QLinearConvs that run on
// cuDNN's integer engines, and QuantizeLinear / DequantizeLinear on their own.
// Every node must run on the device (no host node).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "cuda/cuda_test_util.h"
#include "ops/op_tester.h"
#include "passes/insert_qdq.h"
#include "test_util.h"

#ifdef SEGRT_HAVE_CUDA
#include "backend/cuda/cuda_exec.h"

namespace segrt {
namespace {

using test::random_tensor;

int conv(Graph& g, int x, int64_t cin, int64_t cout, int k, uint32_t seed, bool relu) {
  int w = g.add_constant("w" + std::to_string(seed), random_tensor({cout, cin, k, k}, seed, -0.3f, 0.3f));
  int b = g.add_constant("b" + std::to_string(seed), random_tensor({cout}, seed + 1000, -0.2f, 0.2f));
  int y = g.add_value("conv" + std::to_string(seed));
  Node& n = g.add_node(OpType::Conv, "conv" + std::to_string(seed), {x, w, b}, {y});
  const int64_t p = k / 2;
  n.attrs.set("pads", std::vector<int64_t>{p, p, p, p});
  if (!relu) return y;
  int r = g.add_value("relu" + std::to_string(seed));
  g.add_node(OpType::Relu, "relu" + std::to_string(seed), {y}, {r});
  return r;
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_f64_vector()) m = std::max(m, std::abs(v));
  return m;
}

// Runs s on CUDA at each precision (three runs: eager, capture, replay) and
// compares with the reference's run of the same QDQ graph.
void expect_cuda_matches(const Graph& s, const std::vector<Tensor>& inputs, int want_qconvs, double tol32,
                         double tol16, const BackendKnobs& knobs = {}) {
  const auto want = test::run_ref(s, inputs);
  // Prepared as the engine does (shapes from the inputs), with these knobs.
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  PassLog log;
  Graph c = specialize(s, shapes, log);
  run_optimization_passes(c, log, make_backend("cuda")->pass_options(knobs));
  int qconvs = 0;
  for (const Node& n : c.nodes) qconvs += n.op == OpType::QLinearConv;
  EXPECT_EQ(qconvs, want_qconvs) << "QLinearConv nodes after fuse_qdq_conv";
  for (const char* p : {"fp16", "fp32"}) {
    const double tol = std::string(p) == "fp16" ? tol16 : tol32;
    std::vector<std::string> fell_back;
    auto exe = test::compile_watching("cuda", c, p, &fell_back);
    auto* cx = dynamic_cast<cuda::CudaExecutable*>(exe.get());
    ASSERT_NE(cx, nullptr);
    EXPECT_EQ(cx->host_nodes(), 0) << p << ": a node ran on the host";
    auto ctx = exe->create_context();
    for (int run = 0; run < 3; ++run) {
      auto got = exe->run(*ctx, inputs, nullptr);
      ASSERT_EQ(got.size(), want.size());
      for (size_t k = 0; k < got.size(); ++k) {
        const double e = test::scaled_error(got[k], want[k]);
        if (run == 2) std::printf("[cuda-int8] %-44s %s out%zu err %.3g (tol %.2g)\n",
                                  ::testing::UnitTest::GetInstance()->current_test_info()->name(), p, k, e, tol);
        EXPECT_LE(e, tol) << p << " output " << k << " run " << run;
      }
    }
    EXPECT_TRUE(cx->graph_captured()) << p;
  }
}

TEST(CudaInt8, CalibratedConvChainMatchesTheReference) {
  SEGRT_REQUIRE_CUDA();
  // conv+relu -> conv+relu (requantized straight into int8) -> max pool
  // (float) -> quantize -> 1x1 conv (float output).
  Graph g;
  const Shape xs{2, 16, 12, 12};
  int x = g.add_input("x", DType::f32, xs);
  int a = conv(g, x, 16, 32, 3, 1, true);
  int b = conv(g, a, 32, 32, 3, 2, true);
  int p = test::add_max_pool_2x2(g, b, "pool");
  int y = conv(g, p, 32, 8, 1, 3, false);
  const std::vector<Tensor> inputs{random_tensor(xs, 5)};
  // The calibration: each conv input's range from a float run.
  g.outputs = {y, a, p};
  const auto probe = test::run_ref(g, inputs);
  g.outputs = {y};
  QuantSpec q;
  q.signed_activations = true;  // what the CUDA backend asks for
  q.activations["x"] = {-1.0, 1.0};
  q.activations["relu1"] = {0.0, max_abs(probe[1])};
  q.activations["pool"] = {0.0, max_abs(probe[2])};
  PassLog log;
  Graph s = specialize(g, {xs}, log);
  insert_qdq(s, q, log);
  // One int8 step of the output's range is ~1/127 of it; a 1-step difference
  // in an intermediate (a rounding tie decided the other way) moves it less.
  expect_cuda_matches(s, inputs, 3, 2e-2, 2e-2);
}

TEST(CudaInt8, SkipConnectionsStayInt8WhenAsked) {
  // conv a -> conv b -> { MaxPool -> nearest 2x Resize -> conv -> y2 ;
  // Concat(b, conv(b)) -> conv -> y } with shared scales
  // (BackendKnobs::cuda_int8_data_movement): b is written in int8, the pool,
  // the resize and the concat move int8, no QuantizeLinear but the image's.
  Graph g;
  const Shape xs{2, 16, 12, 12};
  int x = g.add_input("x", DType::f32, xs);
  int a = conv(g, x, 16, 32, 3, 11, true);
  int b = conv(g, a, 32, 32, 3, 12, true);
  int p = test::add_max_pool_2x2(g, b, "pool");
  int scales = g.add_constant("up_scales", Tensor::from_vector(std::vector<float>{1, 1, 2, 2}, {4}));
  int u = g.add_value("up");
  g.add_node(OpType::Resize, "up", {p, -1, scales}, {u}).attrs.set("mode", std::string("nearest"));
  int y2 = conv(g, u, 32, 16, 3, 13, false);
  int side = conv(g, b, 32, 32, 3, 14, true);
  int cat = g.add_value("cat");
  g.add_node(OpType::Concat, "concat", {b, side}, {cat}).attrs.set("axis", int64_t{1});
  int y = conv(g, cat, 64, 8, 1, 15, false);
  const std::vector<Tensor> inputs{random_tensor(xs, 6)};
  g.outputs = {y, a, p, cat, b};
  const auto probe = test::run_ref(g, inputs);
  g.outputs = {y, y2};
  QuantSpec q;
  q.signed_activations = true;
  q.shared_scales = true;  // what the CUDA backend asks for with the knob
  q.activations["x"] = {-1.0, 1.0};
  q.activations["relu11"] = {0.0, max_abs(probe[1])};
  q.activations["pool"] = {0.0, max_abs(probe[2])};
  q.activations["up"] = {0.0, max_abs(probe[2])};
  q.activations["cat"] = {0.0, max_abs(probe[3])};
  q.activations["relu12"] = {0.0, max_abs(probe[4])};
  PassLog log;
  Graph s = specialize(g, {xs}, log);
  insert_qdq(s, q, log);
  BackendKnobs k;
  k.cuda_int8_data_movement = 1;
  Graph c = s;
  run_optimization_passes(c, log, make_backend("cuda")->pass_options(k));
  int quantizes = 0;
  for (const Node& n : c.nodes) {
    quantizes += n.op == OpType::QuantizeLinear;
    if (n.op == OpType::MaxPool || n.op == OpType::Concat || n.op == OpType::Resize) {
      EXPECT_EQ(c.value(n.outputs[0]).dtype, DType::i8) << n.name;
    }
  }
  EXPECT_EQ(quantizes, 1) << "only the image is quantized on its own";
  SEGRT_REQUIRE_CUDA();  // the graph above is checked everywhere; running it needs the GPU
  // fp16: the float output of the last convolution is rounded to half, and a
  // requantization tie decided the other way moves a 64-channel sum by a step:
  // 0.025 measured on the H200 (fp32: 0.0098).
  expect_cuda_matches(s, inputs, 5, 2e-2, 3e-2, k);
}

TEST(CudaInt8, QuantizeAndDequantizeRunOnTheDevice) {
  SEGRT_REQUIRE_CUDA();
  // 560 elements: the eight-wide kernel alone; 105: it and a tail of one.
  // e4m3fn (stored as its bytes on the device) at two scales: within range,
  // and past 448 (saturates, as ONNX's conversion with saturate = 1).
  for (const Shape& xs : {Shape{2, 8, 5, 7}, Shape{3, 5, 7}})
  for (DType qt : {DType::i8, DType::u8, DType::f8e4m3fn})
  for (float scale : {0.02f, 0.005f}) {
    if (qt != DType::f8e4m3fn && scale != 0.02f) continue;
    SCOPED_TRACE(std::string(dtype_name(qt)) + " " + shape_str(xs) + " scale " + std::to_string(scale));
    Graph g;
    int x = g.add_input("x", DType::f32, xs);
    int s = g.add_constant("s", Tensor::scalar_f32(scale));
    int z = g.add_constant("z", Tensor(qt, {}));
    int q = g.add_value("q");
    g.add_node(OpType::QuantizeLinear, "quantize", {x, s, z}, {q});
    int d = g.add_value("d");
    g.add_node(OpType::DequantizeLinear, "dequantize", {q, s, z}, {d});
    g.outputs = {d, q};
    // Values past the int8 range saturate. fp32: exact. fp16 stores x in half
    // first, which can move a value across a rounding boundary: one step (1/127
    // of the range; e4m3: 1/8 of the value's binade, 0.111 of the largest
    // value measured on the H200 at scale 0.02, where |x| / scale reaches 150).
    expect_cuda_matches(g, {random_tensor(xs, 9, -3.f, 3.f)}, 0, 1e-6, qt == DType::f8e4m3fn ? 0.13 : 1.2e-2);
  }
}

TEST(CudaFp8, CalibratedConvChainRunsOnFp8Convolutions) {
  SEGRT_REQUIRE_CUDA();
  if (!make_backend("cuda")->quant_prefs({}).fp8_convolutions)
    GTEST_SKIP() << "this GPU has no fp8 tensor cores (compute capability below 8.9)";
  // conv+relu -> conv+relu (requantized straight into e4m3fn) -> 1x1 conv
  // (float output), every one fp8 (--layer-precision): three fp8 QLinearConvs.
  Graph g;
  const Shape xs{2, 16, 12, 12};
  int x = g.add_input("x", DType::f32, xs);
  int a = conv(g, x, 16, 32, 3, 21, true);
  int b = conv(g, a, 32, 32, 3, 22, true);
  int y = conv(g, b, 32, 16, 1, 23, false);
  const std::vector<Tensor> inputs{random_tensor(xs, 7)};
  g.outputs = {y, a, b};
  const auto probe = test::run_ref(g, inputs);
  g.outputs = {y};
  QuantSpec q;
  q.precision = "fp8";
  q.signed_activations = true;
  q.quantized_layers = {"conv21", "conv22", "conv23"};
  q.activations["x"] = {-1.0, 1.0};
  q.activations["relu21"] = {0.0, max_abs(probe[1])};
  // A range below the data's: b's largest values saturate at 448 (the clamp in the convolution).
  q.activations["relu22"] = {0.0, 0.5 * max_abs(probe[2])};
  PassLog log;
  Graph s = specialize(g, {xs}, log);
  insert_qdq(s, q, log);
  // One e4m3 step is 1/8 of a value in its binade: a value at a rounding
  // boundary (float sums in another order) moves by it, and less downstream.
  expect_cuda_matches(s, inputs, 3, 6e-2, 6e-2);
}

}  // namespace
}  // namespace segrt
#else
TEST(CudaInt8, NotBuilt) { GTEST_SKIP() << "built without the CUDA backend"; }
TEST(CudaFp8, NotBuilt) { GTEST_SKIP() << "built without the CUDA backend"; }
#endif
