// fuse_activation: activations move into their producer (Conv, Add, ...) as attributes.
#include "passes/pass_test_util.h"

namespace segrt {
namespace {

TEST(FuseActivation, ReluAfterAddIsFused) {
  Graph g;
  int a = g.add_input("a", DType::f32, {2, 3, 5});
  int b = g.add_input("b", DType::f32, {3, 5});
  int s = g.add_value("s");
  g.add_node(OpType::Add, "add", {a, b}, {s});
  g.outputs.push_back(test::add_unary(g, OpType::Relu, "relu", s));
  std::vector<Tensor> in = {test::random_tensor({2, 3, 5}, 1), test::random_tensor({3, 5}, 2)};
  PassLog log;
  Graph opt = test::specialized(g, in, true, &log);
  ASSERT_EQ(opt.nodes.size(), 1u);
  EXPECT_EQ(opt.nodes[0].attrs.s("fused_activation", ""), "Relu");
  EXPECT_EQ(opt.value(opt.outputs[0]).name, "relu_out");  // the graph output keeps its name
  bool logged = false;
  for (auto& l : log.lines) logged |= l == "fuse_activation: relu (Relu) fused into add";
  EXPECT_TRUE(logged);
  auto want = test::run_ref(g, in);
  auto got = test::run_ref_graph(opt, in);
  EXPECT_EQ(test::max_abs_error(got[0], want[0]), 0.0);
}

TEST(FuseActivation, ClipBoundsAndLeakyAlphaCarryOver) {
  SEGRT_REQUIRE_REF_KERNEL(Conv);
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 2, 6, 7});
  int c1 = test::add_conv(g, "conv1", x, 2, 4, 3, 5);
  int l = g.add_value("lrelu_out");
  g.add_node(OpType::LeakyRelu, "lrelu", {c1}, {l}).attrs.set("alpha", 0.2);
  int c2 = test::add_conv(g, "conv2", l, 4, 3, 1, 7, false);
  int lo = g.add_constant("lo", Tensor::scalar_f32(-0.1f)), hi = g.add_constant("hi", Tensor::scalar_f32(0.3f));
  int y = g.add_value("clip_out");
  g.add_node(OpType::Clip, "clip", {c2, lo, hi}, {y});
  g.outputs.push_back(y);
  std::vector<Tensor> in = {test::random_tensor({1, 2, 6, 7}, 3)};
  Graph opt = test::specialized(g, in, true, nullptr);
  ASSERT_EQ(opt.nodes.size(), 2u);
  EXPECT_EQ(opt.nodes[0].attrs.s("fused_activation", ""), "LeakyRelu");
  EXPECT_FLOAT_EQ(static_cast<float>(opt.nodes[0].attrs.f("fused_alpha", 0)), 0.2f);
  EXPECT_EQ(opt.nodes[1].attrs.s("fused_activation", ""), "Clip");
  EXPECT_FLOAT_EQ(static_cast<float>(opt.nodes[1].attrs.f("fused_beta", 0)), 0.3f);
  auto want = test::run_ref(g, in);
  auto got = test::run_ref_graph(opt, in);
  EXPECT_EQ(test::max_abs_error(got[0], want[0]), 0.0);
}

TEST(FuseActivation, ProducerReadTwiceIsLeftAlone) {
  Graph g;
  int a = g.add_input("a", DType::f32, {4});
  int s = g.add_value("s");
  g.add_node(OpType::Add, "add", {a, a}, {s});
  int r = test::add_unary(g, OpType::Sigmoid, "sig", s);
  int t = g.add_value("t");
  g.add_node(OpType::Mul, "mul", {r, s}, {t});  // s is read again: it must stay un-activated
  g.outputs.push_back(t);
  std::vector<Tensor> in = {test::random_tensor({4}, 9)};
  Graph opt = test::specialized(g, in, true, nullptr);
  EXPECT_EQ(test::count_ops(opt, OpType::Sigmoid), 1);
  EXPECT_FALSE(test::first_node(opt, OpType::Add)->attrs.has("fused_activation"));
}

// The backend is asked: an activation it cannot compute inside the producer
// stays a node of its own (logged), the others fuse.
TEST(FuseActivation, AsksTheBackendWhatItFuses) {
  SEGRT_REQUIRE_REF_KERNEL(Conv);
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 2, 6, 7});
  int c1 = test::add_conv(g, "conv1", x, 2, 4, 3, 5);
  int s = test::add_unary(g, OpType::Selu, "selu", c1);
  int c2 = test::add_conv(g, "conv2", s, 4, 3, 1, 7, false);
  g.outputs.push_back(test::add_unary(g, OpType::Relu, "relu", c2));
  std::vector<Tensor> in = {test::random_tensor({1, 2, 6, 7}, 3)};
  std::vector<Shape> shapes = {in[0].shape()};
  PassLog log;
  Graph opt = specialize(g, shapes, log);
  PassOptions o;
  o.fusible = [](const Graph&, const Node&, const Activation& a) { return a.op != OpType::Selu; };
  run_optimization_passes(opt, log, o);
  EXPECT_EQ(test::count_ops(opt, OpType::Selu), 1);
  EXPECT_EQ(test::count_ops(opt, OpType::Relu), 0);
  bool logged = false;
  for (auto& l : log.lines) logged |= l == "fuse_activation: selu (Selu) left unfused: the backend cannot compute it inside conv1";
  EXPECT_TRUE(logged);
  auto want = test::run_ref(g, in);
  auto got = test::run_ref_graph(opt, in);
  EXPECT_LE(test::max_rel_error(got[0], want[0]), 1e-6);
}

}  // namespace
}  // namespace segrt
