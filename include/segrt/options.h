// Parts of segrt::Options (engine.h): log levels and callback, and the
// backends' knobs for experiments. Plain data; every field has a default.
//
//   opt.log = [](segrt::LogLevel l, const std::string& m) { std::cerr << m << "\n"; };
//   opt.knobs.cuda_graphs = false;
#pragma once
#include <functional>
#include <string>

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt {

enum class LogLevel {
  Debug,    // passes, backend decisions (what `verbose` used to print)
  Info,     // tuning-cache hits and writes, profiles asked for
  Notice,   // something the user should know: a fallback to the CPU, a corrupt cache entry ignored
  Warning,
};
const char* log_level_name(LogLevel level);

// Called from the thread that runs or loads, possibly from several threads at
// once; must not call back into the engine.
using LogCallback = std::function<void(LogLevel level, const std::string& message)>;

// Backend knobs for experiments and measurements (each was an environment
// variable; the CLI still reads those as conveniences, docs/library.md).
struct BackendKnobs {
  // CUDA
  std::string cuda_layout;       // "" (by precision) | "nchw" | "nhwc": format around convolutions
  bool cuda_subpixel = true;     // fold nearest-upsample + conv into a sub-pixel conv
  bool cuda_graphs = true;       // replay runs as CUDA graphs
  bool cuda_winograd = true;     // allow Winograd / FFT algorithms at fp32
  bool cuda_legacy_conv = false; // cuDNN's legacy API only (no graph API)
  int cuda_profile = 0;          // 1: per-op profile of one run (log, Info); 2: also every step
  // CPU
  int cpu_split_upsample = -1;   // -1 by ISA, 0 off, 1 on: phase split of the nearest-2x up-convolution
  bool cpu_profile = false;      // per-step times, logged (Info) when the engine goes
  // CUDA, calibrated int8 (docs/int8.md): convolutions with fewer input or output
  // channels stay float16; -1 takes the backend's measured choice (128), 0 quantizes all.
  int cuda_int8_min_channels = -1;
  // CUDA, calibrated int8: skip connections stay 8-bit (int8 MaxPool, nearest
  // Resize and Concat under shared scales: docs/int8.md). -1 the backend's
  // choice (on: measured faster on the H200), 1 on, 0 off.
  int cuda_int8_data_movement = -1;
};


}  // namespace segrt

#pragma GCC visibility pop
