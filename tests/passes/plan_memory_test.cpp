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

// The one placement (CPU steps, CUDA device values): unaligned sizes (CUDA's
// values) at aligned offsets, never two overlapping lives in the same bytes,
// and a buffer reused once its life ends.
TEST(PlanMemory, PlaceBuffersAlignsAndReuses) {
  const std::vector<BufferLife> b = {{0, 2, 1000}, {1, 3, 300}, {3, 5, 1000}, {4, 5, 10}, {2, 2, 257}};
  size_t arena = 0;
  std::vector<size_t> at = place_buffers(b, 256, &arena);
  ASSERT_EQ(at.size(), b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(at[i] % 256, 0u) << i;
    for (size_t j = i + 1; j < b.size(); ++j) {
      bool live_together = b[i].first <= b[j].last && b[j].first <= b[i].last;
      bool share = at[i] < at[j] + b[j].bytes && at[j] < at[i] + b[i].bytes;
      EXPECT_FALSE(live_together && share) << i << " and " << j;
    }
  }
  EXPECT_EQ(at[0], 0u) << "largest first, at the bottom";
  EXPECT_EQ(at[2], 0u) << "the second 1000-byte buffer reuses the first's bytes (lives 0-2 and 3-5)";
  EXPECT_EQ(at[1], 1024u) << "above the 1000 bytes it lives with, aligned";
  EXPECT_EQ(at[4], 1536u) << "above 1024 + 300, aligned";
  EXPECT_EQ(at[3], 1024u) << "lives only with the second 1000-byte buffer";
  EXPECT_EQ(arena, 1536u + 257u);
}

}  // namespace
}  // namespace segrt
