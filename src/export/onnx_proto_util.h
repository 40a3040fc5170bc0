// Protobuf-level helpers of the ONNX exporter: dtype codes, tensors and
// attributes into their protos, and the TensorRT parser check of a ModelProto.
// Included only by src/export/*.cpp (with the ONNX importer, the only code
// that sees protobuf types).
#pragma once
#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "export/export.h"

namespace segrt::onnx_export {

// DType -> onnx::TensorProto::DataType.
int onnx_dtype(DType t);
// IR tensor -> TensorProto (raw little-endian data).
void tensor_to_proto(const Tensor& t, const std::string& name, onnx::TensorProto* out);
// One IR attribute; `as_float` turns an integer into ONNX's FLOAT where the schema wants one.
void attr_to_proto(const std::string& key, const AttrValue& v, bool as_float, onnx::AttributeProto* out);
// Cast's `to`: the IR's dtype name -> ONNX's integer code.
void cast_to_attr(Attrs& a);
// Symbolic name of a dynamic dimension: batch, height, width or d<i>.
std::string dim_param_name(const Value& v, int axis);
// The graph's name in the file (the source file's stem).
std::string graph_name(const Graph& g);

// Nodes of m that TensorRT's ONNX parser refuses (table in docs/export.md).
std::vector<TrtFinding> check_tensorrt(const onnx::ModelProto& m);

}  // namespace segrt::onnx_export
