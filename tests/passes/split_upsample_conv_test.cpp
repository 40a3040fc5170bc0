// split_upsample_conv (the CPU backend's phase split of nearest 2x upsample +
// 'same' conv) is exact on the reference backend: 2x2 Keras pads, 3x3 pads 1
// and lopsided pads, both Resize conventions that mean o -> o/2, NCHW and
// NHWC, with and without bias; other Resizes and 'valid' convs stay.
#include "passes/pass.h"
#include "runtime/engine_impl.h"
#include "test_util.h"

namespace segrt {
namespace {

struct UpConv {
  const char *coord = "asymmetric", *nearest = "floor";
  int64_t k = 2;
  std::vector<int64_t> pads = {0, 0, 1, 1};
  bool bias = true, nhwc = false;
};

Graph up_conv(const UpConv& u) {
  Graph g;
  Shape xs = u.nhwc ? Shape{2, 5, 7, 3} : Shape{2, 3, 5, 7};
  int x = g.add_input("x", DType::f32, xs);
  int sc = g.add_constant("scales", Tensor::from_vector(u.nhwc ? std::vector<float>{1, 2, 2, 1} : std::vector<float>{1, 1, 2, 2}, {4}));
  int up = g.add_value("up");
  Node& r = g.add_node(OpType::Resize, "up", {x, -1, sc}, {up});
  r.attrs.set("mode", "nearest");
  r.attrs.set("coordinate_transformation_mode", u.coord);
  r.attrs.set("nearest_mode", u.nearest);
  std::vector<int> in = {up, g.add_constant("w", test::random_tensor({4, 3, u.k, u.k}, 3))};
  if (u.bias) in.push_back(g.add_constant("b", test::random_tensor({4}, 4)));
  int y = g.add_value("y");
  Node& c = g.add_node(OpType::Conv, "conv", in, {y});
  c.attrs.set("pads", u.pads);
  c.attrs.set("fused_activation", "Relu");
  if (u.nhwc) {
    c.attrs.set("layout", "NHWC");
    g.nodes[0].attrs.set("layout", "NHWC");  // the Resize: `r` dangles once add_node grew the node list
  }
  g.outputs = {y};
  return g;
}

int count(const Graph& g, OpType op) {
  int k = 0;
  for (const Node& n : g.nodes) k += n.op == op;
  return k;
}

TEST(SplitUpsampleConv, ExactOnTheReference) {
  std::vector<UpConv> cases(7);
  cases[1].coord = "half_pixel", cases[1].nearest = "round_prefer_floor", cases[1].bias = false;
  cases[2].nhwc = true;
  cases[3].k = 3, cases[3].pads = {1, 1, 1, 1};
  cases[4].k = 3, cases[4].pads = {0, 2, 2, 0};
  cases[5].k = 1, cases[5].pads = {0, 0, 0, 0};
  cases[6].k = 3, cases[6].pads = {1, 1, 1, 1}, cases[6].nhwc = true;
  for (const UpConv& u : cases) {
    SCOPED_TRACE(std::string(u.coord) + " k" + std::to_string(u.k) + " pads " + std::to_string(u.pads[0]) +
                 std::to_string(u.pads[1]) + std::to_string(u.pads[2]) + std::to_string(u.pads[3]) +
                 (u.nhwc ? " NHWC" : " NCHW"));
    Graph g = up_conv(u);
    Tensor x = test::random_tensor(g.value(g.inputs[0]).shape, 9);
    PassLog log;
    Graph s = specialize(g, {x.shape()}, log);
    Graph f = s;
    split_upsample_conv(f, log);
    ASSERT_EQ(count(f, OpType::Resize), 0) << "not split";
    EXPECT_EQ(count(f, OpType::Conv), 4);
    EXPECT_EQ(count(f, OpType::Concat), 1);
    EXPECT_EQ(count(f, OpType::DepthToSpace), 1);
    auto want = make_backend("ref")->compile(s, {})->run({x}, nullptr);
    auto got = make_backend("ref")->compile(f, {})->run({x}, nullptr);
    EXPECT_LE(test::max_abs_error(got[0], want[0]), 1e-5);
  }
}

TEST(SplitUpsampleConv, LeavesOtherPatternsAlone) {
  UpConv not_half;  // o -> round(o/2 + 1/4): not o/2
  not_half.coord = "tf_half_pixel_for_nn", not_half.nearest = "round_prefer_floor";
  UpConv valid;  // output smaller than the upsampled input: the phases would not tile it
  valid.pads = {0, 0, 0, 0};
  for (const UpConv& u : {not_half, valid}) {
    PassLog log;
    Graph s = specialize(up_conv(u), {{2, 3, 5, 7}}, log);
    split_upsample_conv(s, log);
    EXPECT_EQ(count(s, OpType::Resize), 1);
  }
}

}  // namespace
}  // namespace segrt
