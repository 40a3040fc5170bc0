// What a backend did is visible through the public API (PlanInfo): the
// rewrites (the in-place concat), the nodes it does not run on its own
// kernels (a Floor on the CPU's reference kernel) with a Notice through the
// log callback, and the graph it runs after the passes (fused activations,
// in-place Concat). The model is written with segrt's ONNX writer, so the
// test needs no file from ../shared.
#include <filesystem>
#include <unistd.h>

#include "export/export.h"
#include "segrt/engine.h"
#include "test_util.h"

namespace segrt {
namespace {

namespace fs = std::filesystem;

// x -> two Conv+Relu branches -> Concat (channels) -> Floor -> y, as an ONNX file.
std::string write_model() {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 3, 9, 7});
  int cat_in[2];
  for (int b = 0; b < 2; ++b) {
    std::string s = std::to_string(b);
    int w = g.add_constant("w" + s, test::random_tensor({4, 3, 3, 3}, 10 + b, -0.5f, 0.5f));
    int c = g.add_value("conv" + s), r = g.add_value("relu" + s);
    Node& conv = g.add_node(OpType::Conv, "conv" + s, {x, w}, {c});
    conv.attrs.set("kernel_shape", std::vector<int64_t>{3, 3});
    conv.attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    g.add_node(OpType::Relu, "relu" + s, {c}, {r});
    cat_in[b] = r;
  }
  int cat = g.add_value("cat"), y = g.add_value("y");
  g.add_node(OpType::Concat, "concat", {cat_in[0], cat_in[1]}, {cat}).attrs.set("axis", int64_t{1});
  g.add_node(OpType::Floor, "floor", {cat}, {y});
  g.outputs = {y};
  ExportOptions o;
  o.keep_names = true;
  PassLog log;
  fs::path dir = fs::temp_directory_path() / ("segrt_plan_report_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "branches.onnx").string();
  write_onnx(prepare_for_export(g, o, log), o, path);
  return path;
}

bool has(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

TEST(PlanReport, CpuRewritesFallbacksAndTheGraphItRuns) {
  SEGRT_REQUIRE_CPU_BACKEND();
  std::vector<std::string> notices;
  Options o;
  o.backend = "cpu";
  o.log = [&](LogLevel l, const std::string& m) {
    if (l == LogLevel::Notice) notices.push_back(m);
  };
  Engine e = Engine::load(write_model(), o);
  PlanInfo p = e.plan_info({{1, 3, 9, 7}});

  // The engine's pipeline marks the Concat; the CPU's rewrite hook would mark
  // only Concats its own rewrites add (none here): either way it is reported.
  EXPECT_TRUE(has(p.passes, "concat_in_place") || has(p.rewrites, "concat_in_place")) << "the in-place mark is reported";
  ASSERT_EQ(p.fallbacks.size(), 1u) << "only the Floor leaves the CPU's own kernels";
  EXPECT_NE(p.fallbacks[0].find("(Floor)"), std::string::npos) << p.fallbacks[0];
  EXPECT_TRUE(has(notices, "1 node(s) not on the backend's own kernels")) << "the engine says so once";

  int fused = 0, in_place = 0;
  for (const LayerInfo& l : p.layers) {
    fused += l.op == "Conv+Relu";
    in_place += l.op == "Concat (in place)";
    EXPECT_NE(l.op, "Relu") << "fused into its convolution";
  }
  EXPECT_EQ(fused, 2);
  EXPECT_EQ(in_place, 1);
  EXPECT_EQ(p.layers.back().output_shape, (Shape{1, 8, 9, 7}));
}

TEST(PlanReport, ReferenceRunsTheCanonicalGraphNatively) {
  Options o;
  o.backend = "ref";
  Engine e = Engine::load(write_model(), o);
  PlanInfo p = e.plan_info({{1, 3, 9, 7}});
  EXPECT_TRUE(p.rewrites.empty());
  EXPECT_TRUE(p.fallbacks.empty()) << "the reference kernels are the ref backend's own";
  ASSERT_EQ(p.layers.size(), 6u) << "no passes: two Conv, two Relu, Concat, Floor";
  int relus = 0;
  for (const LayerInfo& l : p.layers) relus += l.op == "Relu";
  EXPECT_EQ(relus, 2) << "nothing fused";
}

}  // namespace
}  // namespace segrt
