// Reads a serialized onnx.TensorProto file (the input_N.pb / output_N.pb of
// ONNX backend test cases) without exposing protobuf to the caller.
#pragma once
#include <string>

#include "segrt/tensor.h"

namespace segrt {

Tensor read_onnx_tensor_file(const std::string& path);

}  // namespace segrt
