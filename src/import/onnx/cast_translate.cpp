// ONNX Cast: attribute `to` is a TensorProto type code; segrt's Cast names the
// target dtype ("float16"). Types segrt lacks (STRING, UINT16, ...) are refused.
// Before opset 6 `to` is the type's name ("FLOAT") instead of its code.
#include <onnx/onnx_pb.h>

#include <variant>

#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_cast(NodeContext& c) {
  if (!c.attrs.has("to")) c.unsupported("Cast without a 'to' attribute");
  int code = 0;
  if (std::holds_alternative<std::string>(c.attrs.all().at("to"))) {
    const std::string name = c.attrs.s("to", "");
    onnx::TensorProto_DataType t;
    if (!onnx::TensorProto_DataType_Parse(name, &t)) c.unsupported("Cast to unknown type '" + name + "'");
    code = t;
  } else {
    code = static_cast<int>(c.attrs.i("to", 0));
  }
  DType t;
  if (!dtype_from_onnx(code, &t)) c.unsupported("Cast to " + onnx_dtype_name(code) + " (unsupported element type)");
  Attrs a = c.attrs;
  a.set("to", std::string(dtype_name(t)));
  a.erase("saturate");  // opset 19, only meaningful for float8 targets
  c.emit(OpType::Cast).attrs = a;
}

}  // namespace

SEGRT_ONNX_TRANSLATOR("Cast", translate_cast);

}  // namespace segrt::onnx_import
