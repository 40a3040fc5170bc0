// Helpers shared by the tests: random tensors, a tiny graph builder, tolerant
// comparison, and the path to ../shared/models (tests skip visibly without it).
#pragma once
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "ir/graph.h"
#include "segrt/tensor.h"

namespace segrt::test {

Tensor random_tensor(Shape shape, uint32_t seed, float lo = -1.f, float hi = 1.f);
// Max |a-b| / max(1e-6, |b|) style relative error used by backend-vs-reference tests:
// |a-b| / (|b| + eps_abs) maximised over elements.
double max_rel_error(const Tensor& a, const Tensor& b, double eps_abs = 1e-6);
double max_abs_error(const Tensor& a, const Tensor& b);
// Runs a graph on the reference backend (after specialisation to the inputs' shapes).
std::vector<Tensor> run_ref(const Graph& g, const std::vector<Tensor>& inputs);
// Runs a graph on any backend by name, after the same passes the engine applies.
std::vector<Tensor> run_backend(const std::string& backend, const Graph& g, const std::vector<Tensor>& inputs,
                                const std::string& precision = "fp32");
// Adds y = MaxPool(x) with a 2x2 window and stride 2 (the U-Net's pool); returns y.
int add_max_pool_2x2(Graph& g, int x, const std::string& name);
// The checkout holding models/ and examples/: $SEGRT_SOURCE_DIR when set (a
// bundle run on another machine), else the source tree this build came from.
std::string source_dir();
// True when the oneDNN CPU backend was built (it is optional: SEGRT_CPU).
bool have_cpu_backend();
// Absolute path of a file under ../shared/models, or "" when that folder is absent.
std::string shared_model(const std::string& rel);

}  // namespace segrt::test

#define SEGRT_REQUIRE_SHARED(path_var, rel)                                              \
  std::string path_var = ::segrt::test::shared_model(rel);                              \
  if (path_var.empty()) GTEST_SKIP() << "../shared/models not present: skipping (" << rel << ")"

#define SEGRT_REQUIRE_CPU_BACKEND() \
  if (!::segrt::test::have_cpu_backend()) GTEST_SKIP() << "CPU backend not built (no oneDNN)"
