// ONNX export, public: any model segrt reads (Keras .h5 / .keras / JSON +
// weights, ONNX) written back as a clean ONNX file that ONNX Runtime and
// TensorRT's ONNX parser read (docs/export.md), and the TensorRT check.
//
//   segrt::ExportOptions o;              // opset 17, NCHW, as the model's sizes
//   o.fold = true;
//   segrt::ExportSummary s = segrt::export_onnx("unet.h5", "unet.onnx", o);
//   for (auto& f : s.trt) std::cout << f.node << ": " << f.reason << "\n";
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt {

struct ExportOptions {
  int opset = 17;               // 13 .. 23 (TensorRT 8.6 to 10 read 17)
  bool nchw = true;             // NHWC graphs converted to NCHW (false: kept, each NHWC op wrapped in transposes)
  bool nchw_io = false;         // with nchw: graph inputs and outputs NCHW too (no edge transposes)
  int64_t batch = 0;            // 0: as the model; -1: dynamic; N > 0: fixed
  std::vector<int64_t> hw;      // empty: as the model; {-1, -1}: dynamic; {H, W}: fixed
  bool fold = false;            // BatchNorm folded, constants folded, Identity and dead nodes removed
  bool fp16 = false;            // float16 weights and activations, float32 graph inputs and outputs
  bool keep_names = false;      // tensor and node names from the source model (else short generated ones)
  std::string weights;          // separate weights file (Keras JSON + weights), as Options::weights
};

static constexpr int kMinExportOpset = 13;
static constexpr int kMaxExportOpset = 23;

// A node TensorRT's ONNX parser would refuse, and why (docs/export.md has the table).
struct TrtFinding {
  std::string node, op, reason;
};

struct ExportSummary {
  int64_t bytes = 0;                     // size of the written file
  std::map<std::string, int> op_counts;  // ONNX op type -> nodes
  size_t initializers = 0;
  std::vector<TrtFinding> trt;           // empty: every node is in TensorRT's support table
};

// Loads `model_path`, prepares it (input sizes, folding, NHWC -> NCHW, opset
// lowering, fp16: each rewrite appended to *log when given) and writes it to
// `out_path` (empty: nothing written, only the summary and the TensorRT check).
// Errors name the file, node and reason.
ExportSummary export_onnx(const std::string& model_path, const std::string& out_path, const ExportOptions& o,
                          std::vector<std::string>* log = nullptr);

// The TensorRT check of an existing ONNX file (what `segrt export --check-trt` lists).
std::vector<TrtFinding> check_tensorrt_file(const std::string& onnx_path);

}  // namespace segrt

#pragma GCC visibility pop
