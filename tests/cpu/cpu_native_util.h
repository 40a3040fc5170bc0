// Helpers for the tests of the CPU backend's own kernels: run a graph on the
// CPU backend and on the reference, compare (max relative error <= 1e-5 in
// fp32), and check that the nodes under test did not fall back to the
// reference kernel (the backend lists such nodes with --verbose).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "passes/pass.h"
#include "runtime/engine_impl.h"
#include "test_util.h"

namespace segrt::test {

// Runs g on the CPU backend after the engine's passes; *fallbacks receives
// the backend's "reference kernel for NODE (OP): why" lines.
inline std::vector<Tensor> run_cpu_verbose(const Graph& g, const std::vector<Tensor>& inputs, std::string* fallbacks) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  PassLog log;
  Graph s = specialize(g, shapes, log);
  run_optimization_passes(s, log);
  auto be = make_backend("cpu");
  CompileOptions o;
  o.verbose = true;
  fallbacks->clear();
  o.log = [fallbacks](LogLevel, const std::string& m) { *fallbacks += m + "\n"; };
  std::unique_ptr<Executable> exe = be->compile(s, o);
  return exe->run(inputs, nullptr);
}

enum class Metric {
  Elementwise,  // max |cpu - ref| / (|ref| + 1e-3): results rounded once from exact values
  Magnitude,    // max |cpu - ref| / max |ref|: long float32 sums (matmul), whose cancellation has no per-element accuracy
};

// CPU vs reference within 1e-5, and no node of op `native` ran on the reference kernel.
inline void expect_native_matches_ref(const Graph& g, const std::vector<Tensor>& in, OpType native,
                                      const std::string& what, Metric metric = Metric::Elementwise) {
  auto want = run_ref(g, in);
  std::string fallbacks;
  auto got = run_cpu_verbose(g, in, &fallbacks);
  EXPECT_EQ(fallbacks.find(std::string("(") + op_name(native) + ")"), std::string::npos)
      << what << ": ran on the reference kernel:\n" << fallbacks;
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(shape_str(got[i].shape()), shape_str(want[i].shape())) << what;
    ASSERT_EQ(got[i].dtype(), want[i].dtype()) << what;
    double err;
    if (metric == Metric::Elementwise) {
      err = max_rel_error(got[i], want[i], 1e-3);
    } else {
      double m = 0;
      for (double v : want[i].to_f64_vector()) m = std::max(m, std::fabs(v));
      err = max_abs_error(got[i], want[i]) / std::max(1e-30, m);
    }
    EXPECT_LE(err, 1e-5) << what << " output " << i;
  }
}

// Appends y = Relu(identity 1x1 conv(x)): exact, but oneDNN's output is
// blocked (nChw8c / nChw16c), so the next node reads a blocked format. The
// Relu keeps a following BatchNorm from being folded into the convolution.
inline int blocked(Graph& g, int x, int64_t channels, bool nhwc, size_t spatial_rank = 2) {
  Shape ws = {channels, channels};
  ws.resize(2 + spatial_rank, 1);
  Tensor w(DType::f32, ws);
  for (int64_t i = 0; i < channels; ++i) w.data<float>()[i * channels + i] = 1.f;
  int wc = g.add_constant("ident_w", w), y = g.add_value("ident"), r = g.add_value("ident_relu");
  Node& n = g.add_node(OpType::Conv, "ident", {x, wc}, {y});
  n.attrs.set("kernel_shape", std::vector<int64_t>(spatial_rank, 1));
  if (nhwc) n.attrs.set("layout", "NHWC");
  g.add_node(OpType::Relu, "ident_relu", {y}, {r});
  return r;
}

}  // namespace segrt::test
