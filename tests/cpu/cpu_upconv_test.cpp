// The CPU backend's U-Net decoder path against the reference: nearest 2x
// upsample + 'same' conv (split into phase convolutions on the low-resolution
// input, passes/split_upsample_conv.cpp) writing through DepthToSpace into
// the skip concatenation, and DepthToSpace alone on blocked and plain data.
// Channel counts on and off the 8-channel block, odd sizes, batch 2.
#include <cmath>

#include <cstdlib>

#include "backend/backend.h"
#include "test_util.h"

namespace segrt {
namespace {

// max |cpu - ref| / max |ref| (long float sums: relative to the output's magnitude).
void expect_close(const Graph& g, const std::vector<Tensor>& in, const std::string& what) {
  auto want = test::run_ref(g, in);
  auto got = test::run_backend("cpu", g, in);
  ASSERT_EQ(got.size(), want.size()) << what;
  double m = 0;
  for (double v : want[0].to_f64_vector()) m = std::max(m, std::fabs(v));
  ASSERT_EQ(shape_str(got[0].shape()), shape_str(want[0].shape())) << what;
  EXPECT_LE(test::max_abs_error(got[0], want[0]) / std::max(m, 1e-30), 1e-5) << what;
}

int conv(Graph& g, const std::string& name, int x, int64_t cin, int64_t cout, int64_t k, std::vector<int64_t> pads,
         uint32_t seed) {
  int w = g.add_constant(name + "_w", test::random_tensor({cout, cin, k, k}, seed, -0.3f, 0.3f));
  int b = g.add_constant(name + "_b", test::random_tensor({cout}, seed + 1));
  int y = g.add_value(name);
  Node& n = g.add_node(OpType::Conv, name, {x, w, b}, {y});
  n.attrs.set("pads", pads);
  n.attrs.set("fused_activation", "Relu");
  return y;
}

// skip s [N, S, 2H, 2W] and low-resolution x [N, C, H, W]:
//   out = Conv3x3(Concat(Conv3x3(s), Conv_k(Up2(x))))
Graph decoder(int64_t C, int64_t S, int64_t O, int64_t k) {
  Graph g;
  int x = g.add_input("x", DType::f32, {-1, C, -1, -1});
  int s = g.add_input("s", DType::f32, {-1, S, -1, -1});
  int sc = g.add_constant("scales", Tensor::from_vector(std::vector<float>{1, 1, 2, 2}, {4}));
  int up = g.add_value("up");
  Node& r = g.add_node(OpType::Resize, "up", {x, -1, sc}, {up});
  r.attrs.set("mode", "nearest");
  r.attrs.set("coordinate_transformation_mode", "asymmetric");
  r.attrs.set("nearest_mode", "floor");
  std::vector<int64_t> same = k == 2 ? std::vector<int64_t>{0, 0, 1, 1} : std::vector<int64_t>{1, 1, 1, 1};
  int y = conv(g, "upconv", up, C, O, k, same, 3);
  int skip = conv(g, "skip", s, S, S, 3, {1, 1, 1, 1}, 5);
  int cat = g.add_value("cat");
  g.add_node(OpType::Concat, "cat", {skip, y}, {cat}).attrs.set("axis", int64_t{1});
  g.outputs = {conv(g, "out", cat, S + O, 8, 3, {1, 1, 1, 1}, 7)};
  return g;
}

TEST(CpuUpConv, DecoderMatchesReference) {
  SEGRT_REQUIRE_CPU_BACKEND();
  // The backend splits only on AVX2 fp32 by default: exercise the split wherever this runs.
  struct ForceSplit {
    ForceSplit() { setenv("SEGRT_CPU_SPLIT", "1", 1); }
    ~ForceSplit() { unsetenv("SEGRT_CPU_SPLIT"); }
  } force;
  struct Case { int64_t n, C, S, O, k, h, w; };
  for (Case c : {Case{1, 32, 16, 16, 2, 7, 5},   // blocked, in place end to end
                 Case{1, 13, 8, 5, 2, 6, 9},     // phase channels off the 8-channel block
                 Case{2, 16, 8, 8, 2, 4, 3},     // batch 2: slices are strided, copies instead
                 Case{1, 24, 8, 16, 3, 5, 5},    // 3x3 conv after the upsample
                 Case{1, 8, 8, 8, 2, 1, 1}}) {   // 1x1 low-resolution input
    std::string what = "n" + std::to_string(c.n) + " C" + std::to_string(c.C) + " O" + std::to_string(c.O) + " k" +
                       std::to_string(c.k) + " " + std::to_string(c.h) + "x" + std::to_string(c.w);
    Graph g = decoder(c.C, c.S, c.O, c.k);
    Tensor x = test::random_tensor({c.n, c.C, c.h, c.w}, 11), s = test::random_tensor({c.n, c.S, 2 * c.h, 2 * c.w}, 12);
    expect_close(g, {x, s}, what);
  }
}

// DepthToSpace after a conv (blocked input) and on a graph input (plain), both modes.
TEST(CpuUpConv, DepthToSpaceMatchesReference) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct Case { int64_t c, bs; const char* mode; bool after_conv; };
  for (Case k : {Case{64, 2, "DCR", true}, Case{72, 3, "DCR", true}, Case{64, 2, "CRD", true},
                 Case{12, 2, "DCR", true}, Case{12, 2, "DCR", false}, Case{18, 3, "CRD", false}}) {
    std::string what = std::to_string(k.c) + " bs" + std::to_string(k.bs) + " " + k.mode + (k.after_conv ? " conv" : "");
    Graph g;
    int x = g.add_input("x", DType::f32, {-1, k.after_conv ? 5 : k.c, -1, -1});
    int v = k.after_conv ? conv(g, "c", x, 5, k.c, 3, {1, 1, 1, 1}, 2) : x;
    int y = g.add_value("y");
    Node& n = g.add_node(OpType::DepthToSpace, "d2s", {v}, {y});
    n.attrs.set("blocksize", k.bs);
    n.attrs.set("mode", k.mode);
    g.outputs = {y};
    expect_close(g, {test::random_tensor({2, k.after_conv ? 5 : k.c, 5, 7}, 4)}, what);
  }
}

}  // namespace
}  // namespace segrt
