// fuse_residual_add: Add(Conv(x), r) -> Conv(x, w, b, r), then the ReLU fuses too.
#include "passes/pass_test_util.h"

namespace segrt {
namespace {

TEST(FuseResidualAdd, ResidualBlockBecomesOneConv) {
  SEGRT_REQUIRE_REF_KERNEL(Conv);
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 4, 5, 9});
  int c = test::add_conv(g, "conv", x, 4, 4, 3, 21);
  int s = g.add_value("sum");
  g.add_node(OpType::Add, "add", {x, c}, {s});  // residual first: either order fuses
  g.outputs.push_back(test::add_unary(g, OpType::Relu, "relu", s));
  std::vector<Tensor> in = {test::random_tensor({1, 4, 5, 9}, 6)};
  PassLog log;
  Graph opt = test::specialized(g, in, true, &log);
  ASSERT_EQ(opt.nodes.size(), 1u);
  const Node& n = opt.nodes[0];
  EXPECT_EQ(n.op, OpType::Conv);
  ASSERT_EQ(n.inputs.size(), 4u);
  EXPECT_EQ(n.inputs[3], opt.inputs[0]);
  EXPECT_EQ(n.attrs.s("fused_activation", ""), "Relu");
  auto want = test::run_ref(g, in);
  auto got = test::run_ref_graph(opt, in);
  EXPECT_LT(test::max_rel_error(got[0], want[0], 1e-5), 1e-5);
}

TEST(FuseResidualAdd, BroadcastAddIsNotAResidual) {
  SEGRT_REQUIRE_REF_KERNEL(Conv);
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 2, 4, 4});
  int c = test::add_conv(g, "conv", x, 2, 2, 3, 2);
  int r = g.add_input("r", DType::f32, {1, 2, 1, 1});
  int s = g.add_value("sum");
  g.add_node(OpType::Add, "add", {c, r}, {s});
  g.outputs.push_back(s);
  std::vector<Tensor> in = {test::random_tensor({1, 2, 4, 4}, 1), test::random_tensor({1, 2, 1, 1}, 2)};
  Graph opt = test::specialized(g, in, true, nullptr);
  EXPECT_EQ(test::count_ops(opt, OpType::Add), 1);
}

}  // namespace
}  // namespace segrt
