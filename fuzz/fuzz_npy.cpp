// libFuzzer harness for NumPy files: the bytes as a .npy (parse_npy) and
// as an .npz archive (read_npz: libzip, then parse_npy per member).
#include <cstdint>

#include "segrt/npy.h"
#include "fuzz_util.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    parse_npy(std::string(reinterpret_cast<const char*>(data), size), "fuzz.npy");
  } catch (const Error&) {
  }
  try {
    read_npz(fuzz::write_input(data, size, "npz", ".npz"));
  } catch (const Error&) {
  }
  return 0;
}
