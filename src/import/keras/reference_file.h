// Reader of HDF5 files of named arrays, such as the Keras-side
// `*_inputs_and_outputs.h5` files (groups `inputs`, `activations/<layer>`,
// `outputs`, `predictions`). It registers itself with the tensor-file registry
// (core/tensor_file.h), so `segrt compare --reference x.h5` needs nothing
// from this header; it is here for tests and tools that want it directly.
//
//   TensorGroups g = read_hdf5_tensor_groups("ReLU_0_inputs_and_outputs.h5");
//   const auto& acts = g["activations"];   // {"dense", [2,32]}, {"re_lu_1", [2,32]}
#pragma once
#include <string>

#include "core/tensor_file.h"

namespace segrt {

// Every numeric dataset, float ones as float32 and integer ones as int64,
// grouped by its top-level group; throws Io / InvalidInput naming the dataset.
TensorGroups read_hdf5_tensor_groups(const std::string& path);

}  // namespace segrt
