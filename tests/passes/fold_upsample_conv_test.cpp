// fold_upsample_conv (the CUDA backend's sub-pixel rewrite) is exact: the
// rewritten graph computes what the original does on the reference backend,
// for the Resize conventions PyTorch and Keras export, with and without bias.
#include "passes/pass.h"
#include "runtime/engine_impl.h"
#include "test_util.h"

namespace segrt {
namespace {

Graph up_conv(const char* coord, const char* nearest, bool bias, bool nhwc) {
  Graph g;
  Shape xs = nhwc ? Shape{2, 5, 7, 3} : Shape{2, 3, 5, 7};
  int x = g.add_input("x", DType::f32, xs);
  int sc = g.add_constant("scales", Tensor::from_vector(nhwc ? std::vector<float>{1, 2, 2, 1} : std::vector<float>{1, 1, 2, 2}, {4}));
  int up = g.add_value("up");
  Node& r = g.add_node(OpType::Resize, "up", {x, -1, sc}, {up});
  r.attrs.set("mode", "nearest");
  r.attrs.set("coordinate_transformation_mode", coord);
  r.attrs.set("nearest_mode", nearest);
  std::vector<int> in = {up, g.add_constant("w", test::random_tensor({4, 3, 2, 2}, 3))};
  if (bias) in.push_back(g.add_constant("b", test::random_tensor({4}, 4)));
  int y = g.add_value("y");
  Node& c = g.add_node(OpType::Conv, "conv", in, {y});
  c.attrs.set("pads", std::vector<int64_t>{0, 0, 1, 1});
  c.attrs.set("fused_activation", "Relu");
  if (nhwc) {
    c.attrs.set("layout", "NHWC");
    g.nodes[0].attrs.set("layout", "NHWC");  // the Resize: `r` dangles once add_node grew the node list
  }
  g.outputs = {y};
  return g;
}

TEST(FoldUpsampleConv, ExactOnTheReference) {
  struct Case { const char *coord, *nearest; bool bias, nhwc; };
  for (Case k : {Case{"asymmetric", "floor", true, false}, Case{"half_pixel", "round_prefer_floor", false, false},
                 Case{"asymmetric", "floor", true, true}}) {
    SCOPED_TRACE(std::string(k.coord) + (k.nhwc ? " NHWC" : " NCHW"));
    Graph g = up_conv(k.coord, k.nearest, k.bias, k.nhwc);
    Tensor x = test::random_tensor(g.value(g.inputs[0]).shape, 9);
    PassLog log;
    Graph s = specialize(g, {x.shape()}, log);
    Graph f = s;
    fold_upsample_conv(f, log);
    int convs = 0, d2s = 0, resizes = 0;
    for (const Node& n : f.nodes) {
      convs += n.op == OpType::Conv;
      d2s += n.op == OpType::DepthToSpace;
      resizes += n.op == OpType::Resize;
    }
    ASSERT_EQ(resizes, 0) << "not folded";
    EXPECT_EQ(convs, 1);
    EXPECT_EQ(d2s, 1);
    auto want = make_backend("ref")->compile(s, {})->run({x}, nullptr);
    auto got = make_backend("ref")->compile(f, {})->run({x}, nullptr);
    EXPECT_LE(test::max_abs_error(got[0], want[0]), 1e-5);
  }
}

TEST(FoldUpsampleConv, LeavesOtherResizesAlone) {
  Graph g = up_conv("tf_half_pixel_for_nn", "round_prefer_floor", true, false);  // o -> round(o/2 + 1/4): not o/2
  PassLog log;
  Graph s = specialize(g, {{2, 3, 5, 7}}, log);
  fold_upsample_conv(s, log);
  int resizes = 0;
  for (const Node& n : s.nodes) resizes += n.op == OpType::Resize;
  EXPECT_EQ(resizes, 1);
}

}  // namespace
}  // namespace segrt
