// segrt export MODEL -o OUT.onnx: any model segrt reads written as a clean
// ONNX file for ONNX Runtime and TensorRT (docs/export.md). --check-trt lists
// what TensorRT's ONNX parser would refuse in the result (exit code 1 if any).
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "segrt/export.h"

namespace segrt::cli {

namespace {

struct ExportArgs {
  std::string model, output, weights;
  int opset = 17;
  std::string layout = "nchw";
  bool nchw_io = false;
  std::string batch, shape;
  bool fold = false;
  std::string precision = "fp32";
  bool keep_names = false;
  bool check_trt = false;
  bool verbose = false;
};

int64_t parse_batch(const std::string& s) {
  if (s.empty()) return 0;
  if (s == "dynamic") return -1;
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used == s.size() && v > 0) return v;
  } catch (const std::logic_error&) {
  }
  SEGRT_FAIL(InvalidInput, "--batch '", s, "' should be a positive number or 'dynamic'");
}

ExportOptions options_from(const ExportArgs& a) {
  ExportOptions o;
  o.opset = a.opset;
  o.nchw = a.layout == "nchw";
  o.nchw_io = a.nchw_io;
  o.batch = parse_batch(a.batch);
  if (a.shape == "dynamic") o.hw = {-1, -1};
  else if (!a.shape.empty()) o.hw = parse_hw(a.shape);
  o.fold = a.fold;
  o.fp16 = a.precision == "fp16";
  o.keep_names = a.keep_names;
  if (a.nchw_io && !o.nchw) throw CLI::ValidationError("--nchw-io", "--nchw-io needs --layout nchw");
  return o;
}

void run_export(const ExportArgs& a, int* exit_code) {
  if (a.output.empty() && !a.check_trt)
    throw CLI::RequiredError("-o OUT.onnx (unless --check-trt)");
  ExportOptions o = options_from(a);
  o.weights = a.weights;
  std::vector<std::string> log;
  ExportSummary s = export_onnx(a.model, a.output, o, &log);
  if (a.verbose)
    for (const auto& line : log) std::cerr << "  " << line << "\n";

  int nodes = 0;
  std::string ops;
  for (const auto& [op, k] : s.op_counts) {
    nodes += k;
    ops += (ops.empty() ? "" : ", ") + op + " " + std::to_string(k);
  }
  if (!a.output.empty())
    std::printf("wrote %s: opset %d, %d nodes (%s), %zu initializers, %.2f MB\n", a.output.c_str(), o.opset, nodes,
                ops.c_str(), s.initializers, static_cast<double>(s.bytes) / 1e6);
  if (a.check_trt) {
    if (s.trt.empty()) {
      std::printf("TensorRT: every node is in its ONNX parser's support table (docs/export.md)\n");
    } else {
      std::printf("TensorRT: %zu finding(s) its ONNX parser would refuse:\n", s.trt.size());
      for (const auto& f : s.trt)
        std::printf("  %s%s%s: %s\n", f.node.c_str(), f.op.empty() ? "" : " (", f.op.empty() ? "" : (f.op + ")").c_str(),
                    f.reason.c_str());
      *exit_code = 1;
      return;
    }
  } else if (!s.trt.empty()) {
    std::printf("TensorRT: %zu finding(s); --check-trt lists them\n", s.trt.size());
  }
  *exit_code = 0;
}

}  // namespace

void add_export_command(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Write a model as a clean ONNX file (for ONNX Runtime and TensorRT)");
  add_model_argument(cmd, a->model);
  cmd->add_option("--output,-o", a->output, "the ONNX file to write");
  add_weights_option(cmd, a->weights);
  cmd->add_option("--opset", a->opset, "ONNX opset to write (13 to 23)")
      ->capture_default_str()
      ->check(CLI::Range(kMinExportOpset, kMaxExportOpset));
  cmd->add_option("--layout", a->layout,
                  "nchw: channels-last models computed channels-first, transposes only at the inputs and outputs; "
                  "keep: the model's layout, each channels-last op wrapped in transposes")
      ->capture_default_str()
      ->check(CLI::IsMember({"nchw", "keep"}));
  cmd->add_flag("--nchw-io", a->nchw_io, "with --layout nchw: inputs and outputs channels-first too (no transposes)");
  cmd->add_option("--batch", a->batch, "batch size N, or 'dynamic' (default: as the model)");
  cmd->add_option("--shape", a->shape, "input size HxW, or 'dynamic' (default: as the model)");
  cmd->add_flag("--fold", a->fold, "fold BatchNorm and constants, drop Identity and dead nodes");
  cmd->add_option("--precision", a->precision, "fp32, or fp16 (float16 weights, float32 inputs and outputs)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "fp16"}));
  cmd->add_flag("--keep-names", a->keep_names, "tensor and node names from the source model");
  cmd->add_flag("--check-trt", a->check_trt, "list what TensorRT's ONNX parser would refuse (exit 1 if anything)");
  cmd->add_flag("--verbose,-v", a->verbose, "log what each export pass rewrote");
  cmd->callback([a, exit_code] { run_export(*a, exit_code); });
}

}  // namespace segrt::cli
