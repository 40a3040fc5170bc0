// Elementwise reference kernels on hand-checked values and broadcasting.
#include "test_util.h"

namespace segrt {
namespace {

Graph binary_graph(OpType op, Shape a, Shape b) {
  Graph g;
  int x = g.add_input("a", DType::f32, a);
  int y = g.add_input("b", DType::f32, b);
  int z = g.add_value("z");
  g.add_node(op, "op", {x, y}, {z});
  g.outputs.push_back(z);
  return g;
}

TEST(Elementwise, AddBroadcastsRowOverMatrix) {
  Graph g = binary_graph(OpType::Add, {2, 3}, {3});
  Tensor a = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = Tensor::from_vector({10, 20, 30}, {3});
  auto out = test::run_ref(g, {a, b});
  ASSERT_EQ(shape_str(out[0].shape()), "[2,3]");
  std::vector<float> want = {11, 22, 33, 14, 25, 36};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(out[0].data<float>()[i], want[i]);
}

TEST(Elementwise, IncompatibleShapesAreAModelError) {
  Graph g = binary_graph(OpType::Mul, {2, 3}, {4});
  try {
    test::run_ref(g, {Tensor(DType::f32, {2, 3}), Tensor(DType::f32, {4})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("do not broadcast"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'op'"), std::string::npos) << e.what();
  }
}

TEST(Elementwise, LeakyReluUsesAlpha) {
  Graph g;
  int x = g.add_input("x", DType::f32, {4});
  int y = g.add_value("y");
  g.add_node(OpType::LeakyRelu, "lrelu", {x}, {y}).attrs.set("alpha", 0.1);
  g.outputs.push_back(y);
  auto out = test::run_ref(g, {Tensor::from_vector({-2, -0.5f, 0, 3}, {4})});
  std::vector<float> want = {-0.2f, -0.05f, 0, 3};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(out[0].data<float>()[i], want[i]);
}

}  // namespace
}  // namespace segrt
