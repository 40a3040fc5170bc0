// Control flow with subgraphs: If and Loop (every opset) and Scan (opset 9 on)
// take the generic path; the importer has already translated their subgraphs
// and made the enclosing values they read explicit inputs (onnx_import.cpp,
// attach_subgraphs). Scan of opset 8 had a batch axis and a sequence_lens
// input, a different op; it is refused.
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_scan(NodeContext& c) {
  if (c.opset < 9)
    c.unsupported("Scan of opset 8 (batch axis, sequence_lens input) is not supported (control flow with subgraphs, "
                  "see docs/ops.md; Scan of opset 9 on is)");
  translate_generic(c);
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("Scan", translate_scan);

}  // namespace segrt::onnx_import
