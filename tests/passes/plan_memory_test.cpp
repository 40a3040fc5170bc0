// plan_memory: liveness-based offsets never overlap two live buffers, and reuse memory.
#include "passes/pass_test_util.h"
#include "passes/plan_memory.h"

namespace segrt {
namespace {

// Checks that no two values alive at the same node share bytes.
void expect_no_live_overlap(const Graph& g, const MemoryPlan& p, const std::function<size_t(int)>& size_of) {
  int end = static_cast<int>(g.nodes.size());
  std::vector<int> first(g.values.size(), end), last(g.values.size(), -1);
  for (int i = 0; i < end; ++i) {
    for (int o : g.nodes[i].outputs) first[o] = std::min(first[o], i);
    for (int in : g.nodes[i].inputs)
      if (in >= 0) last[in] = std::max(last[in], i);
  }
  for (int o : g.outputs) last[o] = end;
  for (size_t a = 0; a < g.values.size(); ++a)
    for (size_t b = a + 1; b < g.values.size(); ++b) {
      if (p.offset[a] < 0 || p.offset[b] < 0) continue;
      bool live_together = first[a] <= std::max(last[b], first[b]) && first[b] <= std::max(last[a], first[a]);
      size_t ea = p.offset[a] + size_of(a), eb = p.offset[b] + size_of(b);
      bool share = static_cast<size_t>(p.offset[a]) < eb && static_cast<size_t>(p.offset[b]) < ea;
      EXPECT_FALSE(live_together && share) << g.values[a].name << " and " << g.values[b].name;
    }
}

TEST(PlanMemory, ChainOfEightActivationsUsesTwoBuffers) {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 16, 8, 8});
  for (int i = 0; i < 8; ++i) x = test::add_unary(g, i % 2 ? OpType::Relu : OpType::Tanh, "act" + std::to_string(i), x);
  g.outputs.push_back(x);
  PassLog log;
  Graph s = test::specialized(g, {test::random_tensor({1, 16, 8, 8}, 1)}, true, &log);
  auto size_of = [&](int v) { return plain_value_bytes(s, v); };
  MemoryPlan p = plan_memory(s, size_of, true);
  size_t one = 16 * 8 * 8 * 4;
  EXPECT_EQ(p.naive_bytes, 8 * one);
  EXPECT_EQ(p.arena_bytes, 2 * one);
  EXPECT_EQ(p.offset[s.inputs[0]], -1);  // user buffers stay out of the arena
  expect_no_live_overlap(s, p, size_of);
  bool logged = false;
  for (auto& l : log.lines) logged |= l.rfind("plan_memory: activations planned in", 0) == 0;
  EXPECT_TRUE(logged);
}

TEST(PlanMemory, BranchesKeepLiveValuesApart) {
  Graph g;
  int x = g.add_input("x", DType::f32, {3, 5, 7});
  int a = test::add_unary(g, OpType::Relu, "a", x);
  int b = test::add_unary(g, OpType::Tanh, "b", a);
  int c = test::add_unary(g, OpType::Sigmoid, "c", b);
  int d = g.add_value("d");
  g.add_node(OpType::Add, "d", {a, c}, {d});  // a lives across b and c
  int e = test::add_unary(g, OpType::Exp, "e", d);
  g.outputs = {e, b};
  Graph s = test::specialized(g, {test::random_tensor({3, 5, 7}, 2)}, false, nullptr);
  auto size_of = [&](int v) { return plain_value_bytes(s, v); };
  MemoryPlan p = plan_memory(s, size_of, true);
  expect_no_live_overlap(s, p, size_of);
  EXPECT_LT(p.arena_bytes, p.naive_bytes);
}

}  // namespace
}  // namespace segrt
