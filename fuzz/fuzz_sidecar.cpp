// libFuzzer harness for the segmentation sidecar JSON (MODEL.segrt.json):
// apply_sidecar, then resolve_config and complete_classes against a typical
// one-input, one-output model, as `segrt segment` does.
#include <cstdint>

#include "segrt/segment.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  app::SegmentConfig cfg;
  try {
    app::apply_sidecar(cfg, std::string(reinterpret_cast<const char*>(data), size), "fuzz.segrt.json");
    app::ModelInfo m;
    m.input_name = "x";
    m.output_name = "y";
    m.input_shape = {-1, 1, -1, -1};
    m.input_layout = Layout::NCHW;
    m.output_shape = {-1, 3, -1, -1};
    m.output_op = "Softmax";
    m.total_stride = 16;
    app::resolve_config(cfg, m);
    app::complete_classes(cfg, 3);
  } catch (const Error&) {
  }
  return 0;
}
