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
#include "ir/graph.h"
#include "passes/pass.h"
#include "segrt/export.h"

namespace segrt {

// IR -> IR: input sizes from o.batch / o.hw, folding (o.fold), layout
// conversion, lowering of ops the target opset lacks, fp16. The result uses
// only ONNX ops and attributes of o.opset; errors name the node and reason.
Graph prepare_for_export(const Graph& model, const ExportOptions& o, PassLog& log);

// Writes the prepared graph as an ONNX file (path empty: nothing written,
// only the summary and the TensorRT check).
ExportSummary write_onnx(const Graph& g, const ExportOptions& o, const std::string& path);

}  // namespace segrt
