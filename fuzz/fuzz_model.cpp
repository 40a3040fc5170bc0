// libFuzzer harness for model import: the bytes are a model file (the
// extension, set at build time by SEGRT_FUZZ_EXT, picks the importer:
// .onnx, .h5, .keras), imported in this process, verified, and for ONNX
// specialised to a small input shape (shape inference and constant folding
// run on file data too). Built as fuzz_onnx, fuzz_keras_h5, fuzz_keras_zip.
#include <cstdint>

#include "fuzz_util.h"
#include "import/importer.h"
#include "ir/shape.h"
#include "passes/pass.h"
#include "runtime/engine_impl.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = fuzz::write_input(data, size, "model", SEGRT_FUZZ_EXT);
  ImportOptions opts;
  opts.isolate = false;
  opts.max_tensor_bytes = fuzz::kFuzzTensorCap;
  try {
    Graph g = import_model(path, opts);
    verify_graph(g);
    std::vector<Shape> shapes;
    for (int id : g.inputs) {
      Shape s = g.value(id).shape;
      for (auto& d : s)
        if (d < 0) d = d == s.front() ? 1 : 8;
      shapes.push_back(s);
    }
    PassLog log;
    specialize(g, shapes, log);
  } catch (const Error&) {
  }
  return 0;
}
