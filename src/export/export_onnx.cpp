// The public one-call export (segrt/export.h): import, prepare, write.
#include "export/export.h"
#include "import/importer.h"

namespace segrt {

ExportSummary export_onnx(const std::string& model_path, const std::string& out_path, const ExportOptions& o,
                          std::vector<std::string>* log) {
  ImportOptions io;
  io.weights_path = o.weights;
  Graph model = import_model(model_path, io);
  PassLog passes;
  Graph g = prepare_for_export(model, o, passes);
  if (log) log->insert(log->end(), passes.lines.begin(), passes.lines.end());
  return write_onnx(g, o, out_path);
}

}  // namespace segrt
