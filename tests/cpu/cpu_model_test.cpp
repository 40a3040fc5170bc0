// Whole models on the CPU backend against the reference backend: the bundled
// membrane U-Net (PyTorch export: Conv+BN+ReLU, MaxPool, nearest Resize,
// Concat, Sigmoid), with every pass applied on the CPU side.
#include <cmath>

#include "backend/backend.h"
#include "runtime/engine_impl.h"
#include "test_util.h"

namespace segrt {
namespace {

std::vector<Tensor> run_model(const std::string& path, const std::string& backend, const Tensor& x) {
  Options o;
  o.backend = backend;
  Engine e = Engine::load(path, o);
  return e.run({x});
}

TEST(CpuModels, MembraneUNetMatchesReference) {
  SEGRT_REQUIRE_CPU_BACKEND();
  std::string path = test::source_dir() + "/models/membrane_unet.onnx";
  Tensor x = test::random_tensor({1, 1, 96, 80}, 7, 0.f, 1.f);
  auto want = run_model(path, "ref", x);
  auto got = run_model(path, "cpu", x);
  ASSERT_EQ(got.size(), want.size());
  double err = test::max_abs_error(got[0], want[0]);
  EXPECT_LE(err, 1e-5) << "max abs error on the sigmoid output";
  // The class map (threshold 0.5) is the same on every pixel.
  auto a = got[0].to_f64_vector(), b = want[0].to_f64_vector();
  int64_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += (a[i] > 0.5) != (b[i] > 0.5);
  EXPECT_EQ(differ, 0);
}

}  // namespace
}  // namespace segrt
