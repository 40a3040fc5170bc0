// Post-training calibration (`segrt calibrate`, docs/int8.md): a float model
// runs over sample inputs, the range of every convolution's input is
// recorded, and a small JSON table is written that Options::calibration
// applies (as Q/DQ before each convolution: int8 / fp8 on ref and cpu).
//
//   segrt::Options o;  o.knobs.cpu_split_upsample = 0;   // every conv input observable
//   segrt::Engine e = segrt::Engine::load("unet.onnx", o);
//   segrt::CalibrationSummary s = segrt::calibrate(e, samples, {}, "unet.calib.json");
//   o.calibration = "unet.calib.json";  auto q = segrt::Engine::load("unet.onnx", o);
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "segrt/engine.h"

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt {

struct CalibrateOptions {
  std::string precision = "int8";     // int8 | fp8 (e4m3fn)
  // percentile (99.99% of |x|) | entropy (KL, TensorRT's) | minmax. percentile by
  // default: the one method that kept >= 99% class agreement on the three
  // trained U-Nets measured (docs/int8.md).
  std::string method = "percentile";
  // Called after each sample of each pass ("calibrate pass 1/2", done, total).
  std::function<void(const std::string& stage, size_t done, size_t total)> progress;
};

struct CalibrationSummary {
  std::string precision, method;
  int samples = 0;
  size_t tensors = 0;                    // activation ranges in the table
  std::vector<std::string> layers;       // convolution layers the table covers
  std::vector<std::string> unobserved;   // layers whose input was never seen: they stay float
};

// Throws InvalidInput naming an unknown method or precision (before any run).
void check_calibration_method(const std::string& method, const std::string& precision);

// Runs `engine` (a float model, single input) over `samples`, writes the table
// to `table_path` (the model file's name recorded in it). Errors name the file.
CalibrationSummary calibrate(Engine& engine, const std::vector<Tensor>& samples, const CalibrateOptions& options,
                             const std::string& table_path);

// The convolution layers a table names (for per-layer overrides and reports).
std::vector<std::string> calibration_layers(const std::string& table_path);

}  // namespace segrt

#pragma GCC visibility pop
