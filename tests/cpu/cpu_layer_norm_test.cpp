// The CPU backend's own LayerNormalization kernel against the reference on
// awkward shapes (rows of 1, 3, 13, 127; axis over one or several dims;
// Scale/B broadcast or absent); Mean/InvStdDev outputs fall back to ref.
#include "cpu/cpu_native_util.h"

namespace segrt {
namespace {

using namespace test;

struct LnCase {
  Shape x;
  int64_t axis;
  Shape scale, bias;  // bias empty: absent
};

TEST(CpuNativeOps, LayerNormalization) {
  SEGRT_REQUIRE_CPU_BACKEND();
  const std::vector<LnCase> cases = {
      {{2, 13}, -1, {13}, {13}},         {{1, 127}, 1, {127}, {}},        {{3, 5, 3}, -1, {3}, {1}},
      {{2, 3, 4, 5}, 2, {4, 5}, {5}},    {{1, 4, 1}, -1, {1}, {1}},       {{6, 1, 16}, 1, {1, 16}, {1, 16}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const LnCase& lc = cases[i];
    Graph g;
    int x = g.add_input("x", DType::f32, lc.x);
    std::vector<int> ins{x, g.add_constant("s", random_tensor(lc.scale, 10 + static_cast<int>(i)))};
    if (!lc.bias.empty()) ins.push_back(g.add_constant("b", random_tensor(lc.bias, 20 + static_cast<int>(i))));
    int y = g.add_value("y");
    Node& n = g.add_node(OpType::LayerNormalization, "ln", ins, {y});
    n.attrs.set("axis", lc.axis);
    n.attrs.set("epsilon", 1e-4);
    g.outputs = {y};
    expect_matches_ref(g, {random_tensor(lc.x, static_cast<int>(i))},
                       {.what = "case " + std::to_string(i) + " x " + shape_str(lc.x), .backends = {"cpu"}});
  }
}

}  // namespace
}  // namespace segrt
