// concat_in_place: marks Concats whose inputs can live in slices of the output.
#include "passes/pass_test_util.h"
#include "passes/plan_memory.h"

namespace segrt {
namespace {

TEST(ConcatInPlace, UNetSkipConcatIsMarkedAndStillComputesTheSame) {
  SEGRT_REQUIRE_REF_KERNEL(Concat);
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 3, 4, 5});
  int a = test::add_unary(g, OpType::Relu, "skip", x);
  int b = test::add_unary(g, OpType::Sigmoid, "up", x);
  int other = test::add_unary(g, OpType::Tanh, "other_reader", a);  // the skip is read twice (MaxPool in a U-Net)
  int z = g.add_value("cat");
  g.add_node(OpType::Concat, "concat", {a, b}, {z}).attrs.set("axis", int64_t{1});
  g.outputs = {z, other};
  std::vector<Tensor> in = {test::random_tensor({1, 3, 4, 5}, 1)};
  PassLog log;
  Graph opt = test::specialized(g, in, true, &log);
  const Node* c = test::first_node(opt, OpType::Concat);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->attrs.i("in_place", 0), 1);
  EXPECT_EQ(c->attrs.ints("in_place_offsets"), (std::vector<int64_t>{0, 3}));
  auto want = test::run_ref(g, in);
  auto got = test::run_ref_graph(opt, in);
  EXPECT_EQ(test::max_abs_error(got[0], want[0]), 0.0);
  // The memory plan puts both inputs inside the concat buffer.
  MemoryPlan p = plan_memory(opt, [&](int v) { return plain_value_bytes(opt, v); }, true);
  EXPECT_EQ(p.alias_of[c->inputs[0]], c->outputs[0]);
  EXPECT_EQ(p.alias_of[c->inputs[1]], c->outputs[0]);
}

TEST(ConcatInPlace, GraphInputsAndRepeatedInputsAreNotMarked) {
  SEGRT_REQUIRE_REF_KERNEL(Concat);
  Graph g;
  int x = g.add_input("x", DType::f32, {2, 3});
  int a = test::add_unary(g, OpType::Relu, "relu", x);
  int z1 = g.add_value("z1"), z2 = g.add_value("z2");
  g.add_node(OpType::Concat, "with_input", {x, a}, {z1}).attrs.set("axis", int64_t{0});
  g.add_node(OpType::Concat, "twice", {a, a}, {z2}).attrs.set("axis", int64_t{1});
  g.outputs = {z1, z2};
  Graph opt = test::specialized(g, {test::random_tensor({2, 3}, 1)}, true, nullptr);
  for (const Node& n : opt.nodes) EXPECT_EQ(n.attrs.i("in_place", 0), 0) << n.name;
}

}  // namespace
}  // namespace segrt
