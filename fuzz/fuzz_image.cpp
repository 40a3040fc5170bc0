// libFuzzer harness for image decoding (read_image: stb for PNG/JPEG/BMP,
// libtiff for TIFF). One binary per format (SEGRT_FUZZ_EXT), each with its
// own seed corpus; the decoder is picked by content, as in the app.
#include <cstdint>

#include "segrt/image.h"
#include "fuzz_util.h"
#include "segrt/error.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    app::read_image(fuzz::write_input(data, size, "image", SEGRT_FUZZ_EXT));
  } catch (const Error&) {
  }
  return 0;
}
