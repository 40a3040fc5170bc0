// NumPy .npz archives (a zip of .npy members, stored or deflated) in and out,
// in archive order. Used by `segrt run --dump-activations` and `segrt compare`.
//
//   write_npz("acts.npz", {{"activations/conv1", t}});   // member "activations/conv1.npy"
//   for (auto& [name, t] : read_npz("acts.npz")) ...    // names without ".npy"
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "segrt/tensor.h"

namespace segrt {

struct NamedTensor {
  std::string name;
  Tensor value;
};

// Members in archive order; throws Io (cannot open / not a zip) or
// InvalidInput (a member is not a valid .npy), naming the file and member.
std::vector<NamedTensor> read_npz(const std::string& path);
// Writes every tensor as "<name>.npy", uncompressed (as np.savez does).
void write_npz(const std::string& path, const std::vector<NamedTensor>& tensors);

}  // namespace segrt
