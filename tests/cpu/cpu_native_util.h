// Helpers for the tests of the CPU backend's own kernels (which compare with
// the reference through the op tester, ops/op_tester.h): graphs whose nodes
// read oneDNN's blocked formats.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "passes/pass.h"
#include "runtime/engine_impl.h"
#include "ops/op_tester.h"
#include "test_util.h"

namespace segrt::test {

// Runs g on the CPU backend as the op tester does; *fallbacks receives one
// line per node that did not run natively ("" when all did).
inline std::vector<Tensor> run_cpu_verbose(const Graph& g, const std::vector<Tensor>& inputs, std::string* fallbacks) {
  std::vector<std::string> fell;
  auto exe = compile_watching("cpu", prepared_graph("cpu", g, inputs, true), "fp32", &fell);
  fallbacks->clear();
  for (const auto& f : fell) *fallbacks += f + "\n";
  return exe->run(inputs, nullptr);
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
