// ONNX export: any graph segrt imported (Keras .h5 / .keras / JSON + weights,
// ONNX) written back as a clean ONNX file that ONNX Runtime and TensorRT's ONNX
// parser read. Two steps: prepare_for_export() runs IR -> IR passes (input
// sizes, folding, NHWC -> NCHW, opset lowering, fp16) and write_onnx() turns
// the result into an ONNX ModelProto (src/export is, with the ONNX importer,
// the only code that includes protobuf headers).
//
//   ExportOptions o;                    // opset 17, NCHW, as the model's sizes
//   Graph model = import_model("unet.h5");
//   PassLog log;
//   Graph g = prepare_for_export(model, o, log);
//   ExportSummary s = write_onnx(g, o, "unet.onnx");
//   for (auto& f : s.trt) std::cout << f.node << ": " << f.reason << "\n";
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pass.h"

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

// IR -> IR: input sizes from o.batch / o.hw, folding (o.fold), layout
// conversion, lowering of ops the target opset lacks, fp16. The result uses
// only ONNX ops and attributes of o.opset; errors name the node and reason.
Graph prepare_for_export(const Graph& model, const ExportOptions& o, PassLog& log);

// Writes the prepared graph as an ONNX file (path empty: nothing written,
// only the summary and the TensorRT check).
ExportSummary write_onnx(const Graph& g, const ExportOptions& o, const std::string& path);

// The TensorRT check of an existing ONNX file (what `segrt export --check-trt` lists).
std::vector<TrtFinding> check_tensorrt_file(const std::string& onnx_path);

}  // namespace segrt
