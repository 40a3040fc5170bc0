// Whole-file reads for the loaders (ONNX, Keras JSON, .npy, the TensorRT
// check): one error, with the path, for a file that cannot be opened.
//
//   std::string bytes = read_file_bytes(path);  // throws Error (Io): cannot open 'path'
#pragma once
#include <string>

namespace segrt {

std::string read_file_bytes(const std::string& path);

}  // namespace segrt
