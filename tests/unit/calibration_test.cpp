// Calibration statistics, the three range methods, and the table file: round
// trip, and bad tables / overrides refused with the file and the reason.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include <unistd.h>

#include "runtime/calibration.h"
#include "test_util.h"

namespace segrt {
namespace {

std::string temp_file(const std::string& name, const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("segrt_calib_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}

TEST(Calibration, MethodsPickTheirRanges) {
  // |x| mostly below 1, one outlier at 100.
  std::vector<float> v(10000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 100) / 100.f;
  v[17] = 100.f;
  Tensor t = Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
  ActivationStats st;
  st.observe_range("a", t);
  st.observe_histogram("a", t);
  auto mm = st.finish("minmax", "int8").at("a");
  EXPECT_EQ(mm.min, 0.0);
  EXPECT_EQ(mm.amax, 100.0);
  // 99.99 % of the mass lies below 1: the outlier is clipped.
  EXPECT_LE(st.finish("percentile", "int8").at("a").amax, 1.1);
  // Entropy clips the lone outlier too: it picks the smallest threshold it
  // considers (255 of 2048 bins, this tensor being non-negative: 12.45).
  const double e = st.finish("entropy", "int8").at("a").amax;
  EXPECT_GT(e, 0.9);
  EXPECT_LT(e, 12.5);
}

TEST(Calibration, EntropyKeepsAUniformRange) {
  std::vector<double> hist(2048, 1.0);  // uniform: nothing to clip
  EXPECT_NEAR(entropy_threshold(hist, 1.0, 127), 2048.0, 64.0);
  EXPECT_NEAR(percentile_threshold(hist, 1.0, 0.5), 1024.0, 1.0);
}

TEST(Calibration, TableRoundTripsAndOverridesApply) {
  CalibrationTable t;
  t.precision = "int8";
  t.method = "percentile";
  t.samples = 3;
  t.activations["x"] = {-1.0, 2.0, 1.5};
  t.layers["conv1"] = "x";
  const std::string path = temp_file("ok.json", "");
  write_calibration(t, path);
  CalibrationTable r = read_calibration(path);
  EXPECT_EQ(r.method, "percentile");
  EXPECT_EQ(r.samples, 3);
  ASSERT_EQ(r.activations.count("x"), 1u);
  EXPECT_EQ(r.activations["x"].amax, 1.5);
  EXPECT_EQ(r.layers["conv1"], "x");
  QuantSpec s = quant_spec(r, {"conv1=fp16"});
  EXPECT_EQ(s.float_layers.count("conv1"), 1u);
  EXPECT_EQ(s.activations["x"].amax, 1.5);
  std::filesystem::remove(path);
}

std::string error_of(const std::function<void()>& f, ErrorKind* kind = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "";
}

TEST(Calibration, BadTablesAreRefusedWithTheReason) {
  ErrorKind k;
  EXPECT_NE(error_of([] { read_calibration("/nonexistent/t.json"); }, &k).find("cannot open"), std::string::npos);
  const std::string not_json = temp_file("bad1.json", "{ not json");
  EXPECT_NE(error_of([&] { read_calibration(not_json); }, &k).find("not JSON"), std::string::npos);
  EXPECT_EQ(k, ErrorKind::InvalidInput);
  const std::string other = temp_file("bad2.json", R"({"activations": {}})");
  EXPECT_NE(error_of([&] { read_calibration(other); }).find("not a segrt calibration table"), std::string::npos);
  const std::string bad_range =
      temp_file("bad3.json", R"({"format": "segrt-calibration", "activations": {"x": {"min": 1, "max": 0, "amax": 1}}})");
  EXPECT_NE(error_of([&] { read_calibration(bad_range); }).find("'x' has an invalid range"), std::string::npos);
  const std::string bad_method =
      temp_file("bad4.json", R"({"format": "segrt-calibration", "method": "magic", "activations": {}})");
  EXPECT_NE(error_of([&] { read_calibration(bad_method); }).find("unknown method 'magic'"), std::string::npos);
  CalibrationTable t;
  EXPECT_NE(error_of([&] { quant_spec(t, {"conv1"}); }).find("expected NAME=fp16"), std::string::npos);
  EXPECT_NE(error_of([&] { quant_spec(t, {"conv1=int4"}); }).find("fp16 or fp32"), std::string::npos);
  for (const auto& p : {not_json, other, bad_range, bad_method}) std::filesystem::remove(p);
}

}  // namespace
}  // namespace segrt
