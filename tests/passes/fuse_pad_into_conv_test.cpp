// fuse_pad_into_conv: a zero spatial Pad feeding a Conv becomes Conv padding.
#include "passes/pass_test_util.h"

namespace segrt {
namespace {

Graph pad_conv_graph(std::vector<int64_t> pads, float value) {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 2, 6, 5});
  int p = g.add_constant("pads", Tensor::from_i64(pads, {8}));
  int v = g.add_constant("value", Tensor::scalar_f32(value));
  int y = g.add_value("padded");
  g.add_node(OpType::Pad, "pad", {x, p, v}, {y});
  g.outputs.push_back(test::add_conv(g, "conv", y, 2, 3, 2, 8));  // Keras 'same' 2x2: pad (0,1,0,1)
  return g;
}

TEST(FusePadIntoConv, KerasSamePadMergesIntoConv) {
  SEGRT_REQUIRE_REF_KERNEL(Conv);
  SEGRT_REQUIRE_REF_KERNEL(Pad);
  Graph g = pad_conv_graph({0, 0, 0, 0, 0, 0, 1, 1}, 0.f);
  std::vector<Tensor> in = {test::random_tensor({1, 2, 6, 5}, 3)};
  Graph opt = test::specialized(g, in, true, nullptr);
  ASSERT_EQ(opt.nodes.size(), 1u);
  // add_conv gave pads k/2 = 1 on each side; the Pad adds one more bottom and right.
  EXPECT_EQ(opt.nodes[0].attrs.ints("pads"), (std::vector<int64_t>{1, 1, 2, 2}));
  auto want = test::run_ref(g, in);
  auto got = test::run_ref_graph(opt, in);
  EXPECT_LT(test::max_rel_error(got[0], want[0], 1e-5), 1e-5);
}

TEST(FusePadIntoConv, NonZeroValueOrChannelPadStays) {
  SEGRT_REQUIRE_REF_KERNEL(Conv);
  SEGRT_REQUIRE_REF_KERNEL(Pad);
  std::vector<Tensor> in = {test::random_tensor({1, 2, 6, 5}, 3)};
  Graph a = test::specialized(pad_conv_graph({0, 0, 0, 0, 0, 0, 1, 1}, 0.5f), in, true, nullptr);
  EXPECT_EQ(test::count_ops(a, OpType::Pad), 1);
}

}  // namespace
}  // namespace segrt
