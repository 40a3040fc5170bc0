// The CPU backend's own ArgMax and Pad kernels and its ReduceMean against
// the reference: every axis (negative too), keepdims, ties and NaN for
// ArgMax, every Pad mode with crops, on plain and blocked inputs, batch > 1.
#include <limits>

#include "cpu/cpu_native_util.h"

namespace segrt {
namespace {

using test::blocked;

Graph argmax_graph(Shape xs, int64_t axis, int64_t keepdims, int64_t last, bool nhwc, bool block) {
  Graph g;
  int x = g.add_input("x", DType::f32, xs, nhwc ? Layout::NHWC : Layout::NCHW);
  if (block) x = blocked(g, x, nhwc ? xs.back() : xs[1], nhwc);
  int y = g.add_value("y", DType::i64);
  Node& n = g.add_node(OpType::ArgMax, "argmax", {x}, {y});
  n.attrs.set("axis", axis);
  n.attrs.set("keepdims", keepdims);
  n.attrs.set("select_last_index", last);
  g.outputs.push_back(y);
  return g;
}

TEST(CpuNativeOps, ArgMaxEveryAxisAndFormat) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct C { Shape x; int64_t axis, keepdims, last; bool nhwc, block; };
  std::vector<C> cases = {
      {{1, 5, 7, 9}, 1, 1, 0, false, false},   {{2, 21, 13, 3}, 1, 0, 0, false, true},
      {{1, 19, 6, 7}, -3, 1, 1, false, true},  {{2, 6, 5, 11}, 3, 1, 0, true, true},
      {{1, 9, 4, 3}, -1, 0, 1, true, false},   {{2, 3, 4, 5}, 0, 1, 0, false, false},
      {{2, 3, 4, 5}, 2, 0, 1, false, false},   {{3, 7}, -1, 1, 0, false, false},
      {{13}, 0, 0, 0, false, false},           {{2, 40, 3, 2}, 1, 1, 0, false, true},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const C& cc = cases[i];
    Graph g = argmax_graph(cc.x, cc.axis, cc.keepdims, cc.last, cc.nhwc, cc.block);
    // Few distinct values: many ties, so first / last index matters.
    Tensor x = test::random_tensor(cc.x, 90 + i, -2.f, 2.f);
    for (int64_t k = 0; k < x.numel(); ++k) x.data<float>()[k] = std::round(x.data<float>()[k] * 2.f);
    test::expect_matches_ref(g, {x},
        {.what = "argmax case " + std::to_string(i), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  }
  // NaN counts as the maximum (the first NaN, or the last with select_last_index).
  for (int64_t last : {0, 1}) {
    Graph g = argmax_graph({1, 6, 2, 2}, 1, 1, last, false, false);
    Tensor x = test::random_tensor({1, 6, 2, 2}, 5);
    x.data<float>()[4 * 2] = std::numeric_limits<float>::quiet_NaN();
    x.data<float>()[4 * 4] = std::numeric_limits<float>::quiet_NaN();
    x.data<float>()[4 * 5 + 1] = std::numeric_limits<float>::quiet_NaN();
    test::expect_matches_ref(g, {x},
        {.what = "argmax NaN last=" + std::to_string(last), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
  }
}

Graph pad_graph(Shape xs, std::vector<int64_t> pads, const std::string& mode, float value, bool nhwc, bool block,
                DType dt = DType::f32) {
  Graph g;
  int x = g.add_input("x", dt, xs, nhwc ? Layout::NHWC : Layout::NCHW);
  if (block) x = blocked(g, x, nhwc ? xs.back() : xs[1], nhwc);
  int p = g.add_constant("pads", Tensor::from_i64(pads, {static_cast<int64_t>(pads.size())}));
  int v = g.add_constant("value", Tensor::from_vector({value}, {}).cast(dt));
  int y = g.add_value("y", dt);
  g.add_node(OpType::Pad, "pad", {x, p, v}, {y}).attrs.set("mode", mode);
  g.outputs.push_back(y);
  return g;
}

TEST(CpuNativeOps, PadEveryModeAndFormat) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct C { Shape x; std::vector<int64_t> pads; bool nhwc, block; };
  std::vector<C> cases = {
      {{1, 3, 7, 5}, {0, 0, 1, 2, 0, 0, 3, 1}, false, false},
      {{2, 13, 6, 9}, {0, 0, 2, 2, 0, 0, 2, 2}, false, true},
      {{1, 20, 5, 4}, {0, 0, 0, 3, 0, 0, 1, 0}, false, true},
      {{2, 5, 6, 11}, {0, 1, 2, 0, 0, 1, 1, 0}, true, true},     // NHWC: H and W are axes 1, 2
      {{1, 4, 5, 3}, {0, 2, 2, 0, 0, 0, 1, 0}, true, false},
      {{1, 3, 7, 5}, {0, 0, -1, 2, 0, 0, 1, -2}, false, false},  // crops
      {{2, 3, 4, 5}, {1, 1, 0, 2, 0, 2, 1, 1}, false, false},    // batch and channels too
      {{9}, {3, 4}, false, false},
      {{3, 6, 5}, {0, 1, 2, 0, 2, 3}, false, false},
  };
  for (const std::string mode : {"constant", "reflect", "edge"})
    for (size_t i = 0; i < cases.size(); ++i) {
      const C& cc = cases[i];
      Graph g = pad_graph(cc.x, cc.pads, mode, 0.5f, cc.nhwc, cc.block);
      test::expect_matches_ref(g, {test::random_tensor(cc.x, 30 + i, -2.f, 2.f)},
          {.what = mode + " pad case " + std::to_string(i), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
    }
  // Integer data (pads of an index tensor), constant 7.
  Graph g = pad_graph({2, 5}, {1, 0, 0, 2}, "constant", 7.f, false, false, DType::i64);
  Tensor x = Tensor::from_i64({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {2, 5});
  test::expect_matches_ref(g, {x},
      {.what = "int64 pad", .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Elementwise}});
}

TEST(CpuNativeOps, ReduceMean) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct C { Shape x; std::vector<int64_t> axes; int64_t keepdims; bool nhwc, block; };
  std::vector<C> cases = {
      {{2, 13, 7, 5}, {2, 3}, 1, false, false}, {{1, 24, 9, 6}, {-1, -2}, 1, false, true},
      {{2, 5, 4, 3}, {1}, 0, false, false},     {{1, 6, 5, 17}, {1, 2}, 0, true, true},
      {{3, 4, 5}, {0, 2}, 1, false, false},     {{7, 9}, {}, 0, false, false},
      {{2, 19, 3, 4}, {1}, 1, false, true},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const C& cc = cases[i];
    Graph g;
    int x = g.add_input("x", DType::f32, cc.x, cc.nhwc ? Layout::NHWC : Layout::NCHW);
    if (cc.block) x = blocked(g, x, cc.nhwc ? cc.x.back() : cc.x[1], cc.nhwc);
    int y = g.add_value("y");
    Node& n = g.add_node(OpType::ReduceMean, "mean", {x}, {y});
    if (!cc.axes.empty()) n.attrs.set("axes", cc.axes);
    n.attrs.set("keepdims", cc.keepdims);
    g.outputs.push_back(y);
    test::expect_matches_ref(g, {test::random_tensor(cc.x, 60 + i, -2.f, 2.f)},
        {.what = "reduce mean case " + std::to_string(i), .backends = {"cpu"}, .tol = test::Tol{.metric = test::Metric::Magnitude}});
  }
}

}  // namespace
}  // namespace segrt
