// Files of named tensors grouped by a top-level folder, whatever their format:
// .npz archives (here) and HDF5 (registered by the Keras importer, the only
// code that includes HDF5). `segrt compare` reads reference activations and
// inputs through this and never sees a file format.
//
//   TensorGroups g = read_tensor_groups("model_inputs_and_outputs.h5");
//   for (auto& [name, t] : g["activations"]) ...
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/npz.h"

namespace segrt {

// Group name ("activations", "inputs", ...) -> tensors in file order. A tensor
// at "a/b/c" is tensor "b/c" of group "a"; top-level tensors are in group "".
using TensorGroups = std::map<std::string, std::vector<NamedTensor>>;

using TensorFileProbe = bool (*)(const std::string& path);
using TensorFileReader = TensorGroups (*)(const std::string& path);
bool register_tensor_file_reader(const char* name, TensorFileProbe probe, TensorFileReader reader);

// Throws Io / InvalidInput naming the file; Unsupported naming the formats
// this build reads when no reader accepts it.
TensorGroups read_tensor_groups(const std::string& path);

// The group `name` of a file's tensors; throws InvalidInput naming the file,
// the missing group and the groups it has.
const std::vector<NamedTensor>& tensor_group(const TensorGroups& groups, const std::string& name,
                                             const std::string& file);

// Splits "activations/conv1" into group "activations" and name "conv1".
TensorGroups group_by_folder(const std::vector<NamedTensor>& flat);

}  // namespace segrt
