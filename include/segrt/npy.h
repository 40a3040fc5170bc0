// Tensor files: NumPy .npy (format versions 1 to 3, little-endian, C order)
// and .npz archives (a zip of .npy members, stored or deflated, in archive
// order), and the serialized onnx.TensorProto files of ONNX's test cases.
//
//   segrt::Tensor x = segrt::read_npy("in.npy");
//   segrt::write_npy("out.npy", y);
//   segrt::write_npz("acts.npz", {{"activations/conv1", t}});  // member "activations/conv1.npy"
//   for (auto& [name, t] : segrt::read_npz("acts.npz")) ...    // names without ".npy"
#pragma once
#include <string>
#include <vector>

#include "segrt/tensor.h"

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt {

// Throws InvalidInput (bad header, Fortran order, unsupported dtype, truncated
// data) or Io, naming the file.
Tensor read_npy(const std::string& path);
// Parses .npy bytes held in memory (used for .npz members).
Tensor parse_npy(const std::string& bytes, const std::string& what);
void write_npy(const std::string& path, const Tensor& t);
// .npy bytes of a tensor (used for .npz archives).
std::string npy_bytes(const Tensor& t);

struct NamedTensor {
  std::string name;
  Tensor value;
};

// Members in archive order; throws Io (cannot open / not a zip) or
// InvalidInput (a member is not a valid .npy), naming the file and member.
std::vector<NamedTensor> read_npz(const std::string& path);
// Writes every tensor as "<name>.npy", uncompressed (as np.savez does).
void write_npz(const std::string& path, const std::vector<NamedTensor>& tensors);

// A serialized onnx.TensorProto (input_N.pb / output_N.pb of ONNX backend test
// cases). Throws InvalidInput / Io naming the file.
Tensor read_onnx_tensor_file(const std::string& path);

}  // namespace segrt

#pragma GCC visibility pop
