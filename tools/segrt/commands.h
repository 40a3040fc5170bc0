// Subcommands of the segrt CLI: one file each, registered in main.cpp.
// A command's callback throws segrt::Error on failure (main maps it to an
// exit code) or sets *exit_code for "ran, but the check failed" (1).
#pragma once
#include <CLI/CLI.hpp>

#include "segrt/engine.h"

namespace segrt::cli {

void add_inspect_command(CLI::App& app, int* exit_code);
void add_run_command(CLI::App& app, int* exit_code);
void add_onnx_test_command(CLI::App& app, int* exit_code);
void add_bench_command(CLI::App& app, int* exit_code);
void add_compare_command(CLI::App& app, int* exit_code);
void add_segment_command(CLI::App& app, int* exit_code);

// Flags shared by the commands that execute a model.
struct EngineFlags {
  std::string backend = "auto";
  std::string precision = "fp32";
  int device = 0;
  int threads = 0;
  std::string weights;
  bool verbose = false;
  bool trusted = false;
  void add_to(CLI::App* cmd);
  Options options() const;
};

// "256x256" or "256" -> {256, 256}; throws InvalidInput.
std::vector<int64_t> parse_hw(const std::string& s);

}  // namespace segrt::cli
