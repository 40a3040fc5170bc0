// segrt::version() and build_parts(): what the loaded libsegrt.so is.
#include "segrt/version.h"

#ifndef SEGRT_BUILD_PARTS
#define SEGRT_BUILD_PARTS "onnx"
#endif

namespace segrt {

const char* version() { return SEGRT_VERSION_STRING; }
const char* build_parts() { return SEGRT_BUILD_PARTS; }

}  // namespace segrt
