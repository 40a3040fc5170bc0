// Files of named tensors grouped by a top-level folder, whatever their format:
// .npz archives (here) and HDF5 (registered by the Keras importer, the only
// code that includes HDF5). The readers' registry; the public functions
// (read_tensor_groups, tensor_group, group_by_folder) are in segrt/compare.h.
#pragma once
#include <string>

#include "segrt/compare.h"

namespace segrt {

using TensorFileProbe = bool (*)(const std::string& path);
using TensorFileReader = TensorGroups (*)(const std::string& path);
bool register_tensor_file_reader(const char* name, TensorFileProbe probe, TensorFileReader reader);

}  // namespace segrt
