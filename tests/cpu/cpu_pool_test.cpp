// The CPU backend's own 2x2 stride-2 max pool (blocked float32, the U-Net
// encoder's) against the reference: after a convolution (nChw8c input),
// odd sizes (the last row / column is dropped), channels off the block,
// batch 2, and a ceil-mode pool that must stay on oneDNN's path.
#include <cmath>

#include "backend/backend.h"
#include "test_util.h"

namespace segrt {
namespace {

TEST(CpuPool, MaxPool2x2AfterConvMatchesReference) {
  SEGRT_REQUIRE_CPU_BACKEND();
  struct Case { int64_t n, cin, cout, h, w; int64_t ceil; };
  for (Case k : {Case{1, 3, 16, 8, 8, 0}, Case{2, 5, 13, 7, 9, 0}, Case{1, 4, 24, 2, 3, 0}, Case{1, 4, 16, 7, 5, 1}}) {
    std::string what = "n" + std::to_string(k.n) + " c" + std::to_string(k.cout) + " " + std::to_string(k.h) + "x" +
                       std::to_string(k.w) + (k.ceil ? " ceil" : "");
    Graph g;
    int x = g.add_input("x", DType::f32, {-1, k.cin, -1, -1});
    int w = g.add_constant("w", test::random_tensor({k.cout, k.cin, 3, 3}, 2, -0.3f, 0.3f));
    int c = g.add_value("c");
    g.add_node(OpType::Conv, "conv", {x, w}, {c}).attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    int y = g.add_value("y");
    Node& p = g.add_node(OpType::MaxPool, "pool", {c}, {y});
    p.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
    p.attrs.set("strides", std::vector<int64_t>{2, 2});
    p.attrs.set("ceil_mode", k.ceil);
    g.outputs = {y};
    std::vector<Tensor> in = {test::random_tensor({k.n, k.cin, k.h, k.w}, 3)};
    auto want = test::run_ref(g, in);
    auto got = test::run_backend("cpu", g, in);
    ASSERT_EQ(shape_str(got[0].shape()), shape_str(want[0].shape())) << what;
    double m = 0;  // the pool picks conv outputs: their error is relative to the output's magnitude
    for (double v : want[0].to_f64_vector()) m = std::max(m, std::fabs(v));
    EXPECT_LE(test::max_abs_error(got[0], want[0]) / m, 1e-5) << what;
  }
}

}  // namespace
}  // namespace segrt
