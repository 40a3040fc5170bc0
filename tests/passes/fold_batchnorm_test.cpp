// fold_batchnorm: Conv/ConvTranspose + BatchNormalization -> one node, same results on ref.
#include "passes/pass_test_util.h"

namespace segrt {
namespace {

int add_bn(Graph& g, int x, int64_t c, uint32_t seed) {
  int scale = g.add_constant("bn_scale", test::random_tensor({c}, seed, 0.5f, 1.5f));
  int bias = g.add_constant("bn_bias", test::random_tensor({c}, seed + 1));
  int mean = g.add_constant("bn_mean", test::random_tensor({c}, seed + 2));
  int var = g.add_constant("bn_var", test::random_tensor({c}, seed + 3, 0.1f, 2.f));
  int y = g.add_value("bn_out");
  g.add_node(OpType::BatchNormalization, "bn", {x, scale, bias, mean, var}, {y}).attrs.set("epsilon", 1e-3);
  return y;
}

TEST(FoldBatchNorm, ConvBnBecomesOneConv) {
  SEGRT_REQUIRE_REF_KERNEL(Conv);
  SEGRT_REQUIRE_REF_KERNEL(BatchNormalization);
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 3, 7, 5});
  int c = test::add_conv(g, "conv", x, 3, 6, 3, 11);
  g.outputs.push_back(add_bn(g, c, 6, 20));
  std::vector<Tensor> in = {test::random_tensor({1, 3, 7, 5}, 1)};
  PassLog log;
  Graph opt = test::specialized(g, in, true, &log);
  EXPECT_EQ(test::count_ops(opt, OpType::BatchNormalization), 0);
  EXPECT_EQ(test::count_ops(opt, OpType::Conv), 1);
  bool logged = false;
  for (auto& l : log.lines) logged |= l.find("fold_batchnorm: bn folded into conv") != std::string::npos;
  EXPECT_TRUE(logged);
  auto want = test::run_ref(g, in);
  auto got = test::run_ref_graph(opt, in);
  EXPECT_LT(test::max_rel_error(got[0], want[0], 1e-4), 1e-4);
}

TEST(FoldBatchNorm, ConvWithoutBiasAndGroupedConvTranspose) {
  SEGRT_REQUIRE_REF_KERNEL(ConvTranspose);
  SEGRT_REQUIRE_REF_KERNEL(BatchNormalization);
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 4, 5, 6});
  int w = g.add_constant("w", test::random_tensor({4, 3, 2, 2}, 5));  // IOHW, 2 groups -> 6 outputs
  int y = g.add_value("deconv_out");
  Node& n = g.add_node(OpType::ConvTranspose, "deconv", {x, w}, {y});
  n.attrs.set("group", int64_t{2});
  n.attrs.set("strides", std::vector<int64_t>{2, 2});
  n.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
  g.outputs.push_back(add_bn(g, y, 6, 30));
  std::vector<Tensor> in = {test::random_tensor({1, 4, 5, 6}, 2)};
  Graph opt = test::specialized(g, in, true, nullptr);
  EXPECT_EQ(test::count_ops(opt, OpType::BatchNormalization), 0);
  auto want = test::run_ref(g, in);
  auto got = test::run_ref_graph(opt, in);
  EXPECT_LT(test::max_rel_error(got[0], want[0], 1e-4), 1e-4);
}

TEST(FoldBatchNorm, BnOnAValueReadTwiceStays) {
  SEGRT_REQUIRE_REF_KERNEL(BatchNormalization);
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 2, 4, 4});
  int c = test::add_conv(g, "conv", x, 2, 2, 1, 3);
  g.outputs.push_back(add_bn(g, c, 2, 40));
  g.outputs.push_back(c);  // the conv output is also a graph output: folding would change it
  std::vector<Tensor> in = {test::random_tensor({1, 2, 4, 4}, 4)};
  Graph opt = test::specialized(g, in, true, nullptr);
  EXPECT_EQ(test::count_ops(opt, OpType::BatchNormalization), 1);
}

}  // namespace
}  // namespace segrt
