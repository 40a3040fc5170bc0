// NumPy .npy files in and out (format versions 1 to 3, little-endian, C order).
//
//   segrt::Tensor x = segrt::read_npy("in.npy");
//   segrt::write_npy("out.npy", y);
#pragma once
#include <string>

#include "segrt/tensor.h"

namespace segrt {

// Throws InvalidInput (bad header, Fortran order, unsupported dtype, truncated
// data) or Io, naming the file.
Tensor read_npy(const std::string& path);
// Parses .npy bytes held in memory (used for .npz members).
Tensor parse_npy(const std::string& bytes, const std::string& what);
void write_npy(const std::string& path, const Tensor& t);
// .npy bytes of a tensor (used for .npz archives).
std::string npy_bytes(const Tensor& t);

}  // namespace segrt
