// ONNX node translation: the generic path maps an ONNX op onto the op of the
// same name in ops.def and copies its attributes; ops whose inputs or
// attributes changed across opsets register a translator that rewrites them
// into segrt's canonical form (ONNX opset 17 semantics):
//
//   SEGRT_ONNX_TRANSLATOR("Upsample", translate_upsample);
//
// Only src/import/onnx sees protobuf types; translators see this context.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"

namespace segrt::onnx_import {

struct NodeContext {
  Graph& g;
  std::string op_type;              // ONNX op type
  std::string name;                 // node name (or derived from its first output)
  int64_t opset = 0;                // default-domain opset of the model
  std::vector<int> inputs;          // value ids, -1 for absent optional inputs
  std::vector<int> outputs;
  Attrs attrs;                      // ONNX attributes as read from the file

  // Adds a node with the ONNX node's outputs (or given ones).
  Node& emit(OpType op, std::vector<int> in, std::vector<int> out);
  Node& emit(OpType op) { return emit(op, inputs, outputs); }
  // Adds an int64 constant (for attributes that later opsets take as inputs).
  int const_i64(const std::string& suffix, const std::vector<int64_t>& v, bool as_1d = true);
  int const_f32(const std::string& suffix, const std::vector<float>& v, Shape shape);
  int input(size_t i) const { return i < inputs.size() ? inputs[i] : -1; }
  // Unsupported error naming the node, op, opset and the offending attribute value.
  [[noreturn]] void unsupported(const std::string& what) const;
};

using Translator = void (*)(NodeContext& c);
bool register_translator(const char* onnx_op, Translator t);
Translator find_translator(const std::string& onnx_op);

// ONNX TensorProto element type -> DType (false when segrt lacks it), and its name.
bool dtype_from_onnx(int onnx_type, DType* out);
std::string onnx_dtype_name(int onnx_type);

// "op X is not supported (reason)" for an op neither the op list nor a translator knows.
std::string unsupported_op_message(const std::string& onnx_op);

// Generic translation: same-name op, attributes copied.
void translate_generic(NodeContext& c);

}  // namespace segrt::onnx_import

#define SEGRT_ONNX_CAT2(a, b) a##b
#define SEGRT_ONNX_CAT(a, b) SEGRT_ONNX_CAT2(a, b)
#define SEGRT_ONNX_TRANSLATOR(name, fn)                                      \
  static const bool SEGRT_ONNX_CAT(segrt_onnx_reg_, __LINE__) =             \
      ::segrt::onnx_import::register_translator(name, fn)
