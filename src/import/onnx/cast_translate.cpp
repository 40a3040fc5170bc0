// ONNX Cast: attribute `to` is a TensorProto type code; segrt's Cast names the
// target dtype ("float16"). Types segrt lacks (STRING, UINT16, ...) are refused.
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

namespace {

void translate_cast(NodeContext& c) {
  if (!c.attrs.has("to")) c.unsupported("Cast without a 'to' attribute");
  const int code = static_cast<int>(c.attrs.i("to", 0));
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
