// Test helpers.
#include "test_util.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "backend/backend.h"
#include "runtime/engine_impl.h"

namespace segrt::test {

Tensor random_tensor(Shape shape, uint32_t seed, float lo, float hi) {
  Tensor t(DType::f32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = d(rng);
  return t;
}

int add_max_pool_2x2(Graph& g, int x, const std::string& name) {
  const int y = g.add_value(name);
  Node& n = g.add_node(OpType::MaxPool, name, {x}, {y});
  n.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
  n.attrs.set("strides", std::vector<int64_t>{2, 2});
  return y;
}

double max_abs_error(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(shape_str(a.shape()), shape_str(b.shape()));
  auto x = a.to_f64_vector(), y = b.to_f64_vector();
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

double max_rel_error(const Tensor& a, const Tensor& b, double eps_abs) {
  EXPECT_EQ(shape_str(a.shape()), shape_str(b.shape()));
  auto x = a.to_f64_vector(), y = b.to_f64_vector();
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i)
    m = std::max(m, std::fabs(x[i] - y[i]) / (std::fabs(y[i]) + eps_abs));
  return m;
}

std::vector<Tensor> run_backend(const std::string& backend, const Graph& g, const std::vector<Tensor>& inputs,
                                const std::string& precision) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  PassLog log;
  Graph s = specialize(g, shapes, log);
  auto be = make_backend(backend);
  if (backend != "ref") run_optimization_passes(s, log, be->pass_options());
  CompileOptions o;
  o.precision = precision;
  auto exe = be->compile(s, o);
  return exe->run(inputs, nullptr);
}

std::vector<Tensor> run_ref(const Graph& g, const std::vector<Tensor>& inputs) { return run_backend("ref", g, inputs); }

bool have_cpu_backend() {
  for (auto& n : backend_names())
    if (n == "cpu") return true;
  return false;
}

std::string source_dir() {
  const char* env = std::getenv("SEGRT_SOURCE_DIR");
  return env && *env ? env : SEGRT_SOURCE_DIR;
}

std::string shared_model(const std::string& rel) {
  // SEGRT_SHARED_MODELS in the environment wins (a prebuilt test binary run
  // elsewhere, e.g. scripts/gpu-test.sh on a GPU machine).
  const char* env = std::getenv("SEGRT_SHARED_MODELS");
  std::filesystem::path p = std::filesystem::path(env && *env ? env : SEGRT_SHARED_MODELS) / rel;
  return std::filesystem::exists(p) ? std::filesystem::weakly_canonical(p).string() : "";
}

}  // namespace segrt::test
