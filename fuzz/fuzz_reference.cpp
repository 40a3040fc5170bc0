// libFuzzer harness for `segrt compare --reference FILE`: the reference
// activation file (.npz or HDF5, SEGRT_FUZZ_EXT), then its groups looked up as
// compare does. HDF5 is read in this process (read_hdf5_tensor_groups), not
// through the registry, which would parse it in a child the fuzzer cannot see.
#include <cstdint>
#include <cstring>

#include "fuzz_util.h"
#include "import/keras/reference_file.h"
#include "runtime/tensor_file.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = fuzz::write_input(data, size, "reference", SEGRT_FUZZ_EXT);
  try {
    TensorGroups g = std::strcmp(SEGRT_FUZZ_EXT, ".h5") == 0 ? read_hdf5_tensor_groups(path) : read_tensor_groups(path);
    tensor_group(g, "activations", path);
  } catch (const Error&) {
  }
  return 0;
}
