// Calibration on a fast backend of a convolution behind a zero Pad (PyTorch's
// F.pad for 'same' even kernels): the CPU merges the Pad into the
// convolution, so the Pad's output never exists in the run; calibration
// observes the Pad's input for it. Before, such layers came back unobserved
// and stayed float (the peer U-Net's four up-convolutions).
#include <filesystem>

#include <unistd.h>

#include "export/export.h"
#include "runtime/calibration.h"
#include "segrt/calibrate.h"
#include "segrt/engine.h"
#include "test_util.h"

namespace segrt {
namespace {

namespace fs = std::filesystem;

std::string write_padded_conv(const fs::path& dir) {
  Graph g;
  int x = g.add_input("x", DType::f32, {1, 4, 8, 8});
  Tensor pads(DType::i64, {8});
  for (int i = 0; i < 8; ++i) pads.data<int64_t>()[i] = (i == 6 || i == 7) ? 1 : 0;
  int xp = g.add_value("xp"), c = g.add_value("c"), y = g.add_value("y");
  g.add_node(OpType::Pad, "pad", {x, g.add_constant("pads", pads)}, {xp});
  Node& conv = g.add_node(OpType::Conv, "conv", {xp, g.add_constant("w", test::random_tensor({8, 4, 2, 2}, 5, -0.5f, 0.5f))}, {c});
  conv.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
  g.add_node(OpType::Relu, "relu", {c}, {y});
  g.outputs = {y};
  ExportOptions o;
  o.keep_names = true;
  PassLog log;
  const std::string path = (dir / "padded_conv.onnx").string();
  write_onnx(prepare_for_export(g, o, log), o, path);
  return path;
}

TEST(CalibratePad, ThePadsInputStandsForItsOutput) {
  SEGRT_REQUIRE_CPU_BACKEND();
  const fs::path dir = fs::temp_directory_path() / ("segrt_calib_pad_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Options o;
  o.backend = "cpu";
  Engine e = Engine::load(write_padded_conv(dir), o);
  std::vector<Tensor> samples = {test::random_tensor({1, 4, 8, 8}, 1, 0.f, 2.f), test::random_tensor({1, 4, 8, 8}, 2, 0.f, 3.f)};
  CalibrateOptions co;
  co.method = "minmax";
  const std::string table = (dir / "t.json").string();
  CalibrationSummary s = calibrate(e, samples, co, table);
  ASSERT_EQ(s.layers.size(), 1u);
  EXPECT_TRUE(s.unobserved.empty()) << "the padded convolution has a range";
  CalibrationTable t = read_calibration(table);
  ASSERT_EQ(t.layers.at("conv"), "xp");
  double amax = 0;
  for (const auto& x : samples)
    for (double v : x.to_f64_vector()) amax = std::max(amax, std::fabs(v));
  EXPECT_NEAR(t.activations.at("xp").amax, amax, 1e-6) << "the Pad's input's range (its zeros add nothing)";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace segrt
