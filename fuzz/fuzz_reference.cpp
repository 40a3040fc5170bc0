// libFuzzer harness for `segrt compare --reference FILE`: the reference
// activation file (.npz or HDF5, SEGRT_FUZZ_EXT) read through the tensor-file
// registry in this process, then its groups looked up as compare does.
#include <cstdint>

#include "fuzz_util.h"
#include "core/tensor_file.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = fuzz::write_input(data, size, "reference", SEGRT_FUZZ_EXT);
  try {
    TensorGroups g = read_tensor_groups(path);
    tensor_group(g, "activations", path);
  } catch (const Error&) {
  }
  return 0;
}
