// Subcommands of the segrt CLI: one file each, registered in main.cpp.
// A command's callback throws segrt::Error on failure (main maps it to an
// exit code) or sets *exit_code for "ran, but the check failed" (1).
#pragma once
#include <CLI/CLI.hpp>

#include "segrt/segrt.h"

namespace segrt::cli {

void add_inspect_command(CLI::App& app, int* exit_code);
void add_run_command(CLI::App& app, int* exit_code);
void add_onnx_test_command(CLI::App& app, int* exit_code);
void add_bench_command(CLI::App& app, int* exit_code);
void add_compare_command(CLI::App& app, int* exit_code);
void add_segment_command(CLI::App& app, int* exit_code);
void add_export_command(CLI::App& app, int* exit_code);
void add_serve_command(CLI::App& app, int* exit_code);
void add_calibrate_command(CLI::App& app, int* exit_code);

// The positional model argument of the commands that load one: a model file
// (.onnx, .h5, .keras, .json), required.
void add_model_argument(CLI::App* cmd, std::string& model);
// --weights, the weights file for a Keras architecture JSON.
void add_weights_option(CLI::App* cmd, std::string& weights);

// Flags shared by the commands that execute a model.
struct EngineFlags {
  std::string backend = "auto";
  std::string precision = "fp32";
  int device = 0;
  int threads = 0;
  std::string weights;
  bool verbose = false;
  std::string cache_dir;  // default: $XDG_CACHE_HOME/segrt (or ~/.cache/segrt)
  bool no_cache = false;
  bool trusted = false;
  std::string calibration;                  // --calibration TABLE (segrt calibrate)
  std::vector<std::string> layer_precision; // --layer-precision NAME=fp16 (repeatable)
  void add_to(CLI::App* cmd);
  // Also reads the SEGRT_CUDA_* / SEGRT_CPU_* knob variables (docs/library.md)
  // and logs to stderr: the library itself does neither.
  Options options() const;
};

// The CLI's log callback: notices and warnings always, debug lines with
// --verbose, profiles when asked for; everything on stderr.
LogCallback stderr_log(bool verbose);

// "256x256" or "256" -> {256, 256}; throws InvalidInput.
std::vector<int64_t> parse_hw(const std::string& s);

}  // namespace segrt::cli
