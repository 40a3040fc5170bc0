// libFuzzer harness for a Keras architecture JSON + weights file: the input
// is a 4-byte little-endian length n, n bytes of JSON, then the weights HDF5.
// (fuzz/make_corpus.sh pairs the *_config.json and *_weights.h5 files of ../shared/models.)
#include <cstdint>
#include <cstring>

#include "fuzz_util.h"
#include "import/importer.h"
#include "ir/shape.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t n;
  std::memcpy(&n, data, 4);
  if (n > size - 4) return 0;
  std::string json = fuzz::write_input(data + 4, n, "arch", ".json");
  ImportOptions opts;
  opts.isolate = false;
  opts.max_tensor_bytes = fuzz::kFuzzTensorCap;
  opts.weights_path = fuzz::write_input(data + 4 + n, size - 4 - n, "weights", ".h5");
  try {
    Graph g = import_model(json, opts);
    verify_graph(g);
  } catch (const Error&) {
  }
  return 0;
}
