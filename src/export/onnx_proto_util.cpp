// Protobuf-level helpers of the ONNX exporter (see onnx_proto_util.h).
#include "export/onnx_proto_util.h"

#include <cstring>
#include <filesystem>

namespace segrt::onnx_export {

int onnx_dtype(DType t) {
  switch (t) {
    case DType::f32: return onnx::TensorProto::FLOAT;
    case DType::f16: return onnx::TensorProto::FLOAT16;
    case DType::bf16: return onnx::TensorProto::BFLOAT16;
    case DType::f64: return onnx::TensorProto::DOUBLE;
    case DType::i64: return onnx::TensorProto::INT64;
    case DType::i32: return onnx::TensorProto::INT32;
    case DType::i8: return onnx::TensorProto::INT8;
    case DType::u8: return onnx::TensorProto::UINT8;
    case DType::boolean: return onnx::TensorProto::BOOL;
    case DType::f8e4m3fn: return static_cast<onnx::TensorProto::DataType>(17);  // FLOAT8E4M3FN (opset 19)
    case DType::f8e5m2: return static_cast<onnx::TensorProto::DataType>(19);    // FLOAT8E5M2
  }
  SEGRT_FAIL(Internal, "dtype ", static_cast<int>(t), " has no ONNX code");
}

void tensor_to_proto(const Tensor& t, const std::string& name, onnx::TensorProto* out) {
  out->set_name(name);
  out->set_data_type(onnx_dtype(t.dtype()));
  for (int64_t d : t.shape()) out->add_dims(d);
  // raw_data is little-endian, the host's order on every machine segrt runs on.
  out->set_raw_data(std::string(static_cast<const char*>(t.raw()), t.nbytes()));
}

void attr_to_proto(const std::string& key, const AttrValue& v, bool as_float, onnx::AttributeProto* out) {
  out->set_name(key);
  if (const auto* i = std::get_if<int64_t>(&v)) {
    if (as_float) {
      out->set_type(onnx::AttributeProto::FLOAT);
      out->set_f(static_cast<float>(*i));
    } else {
      out->set_type(onnx::AttributeProto::INT);
      out->set_i(*i);
    }
  } else if (const auto* f = std::get_if<double>(&v)) {
    out->set_type(onnx::AttributeProto::FLOAT);
    out->set_f(static_cast<float>(*f));
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    out->set_type(onnx::AttributeProto::STRING);
    out->set_s(*s);
  } else if (const auto* is = std::get_if<std::vector<int64_t>>(&v)) {
    out->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : *is) out->add_ints(x);
  } else if (const auto* fs = std::get_if<std::vector<double>>(&v)) {
    out->set_type(onnx::AttributeProto::FLOATS);
    for (double x : *fs) out->add_floats(static_cast<float>(x));
  } else if (const auto* ss = std::get_if<std::vector<std::string>>(&v)) {
    out->set_type(onnx::AttributeProto::STRINGS);
    for (const auto& x : *ss) out->add_strings(x);
  } else if (const auto* t = std::get_if<Tensor>(&v)) {
    out->set_type(onnx::AttributeProto::TENSOR);
    tensor_to_proto(*t, "", out->mutable_t());
  }
}

void cast_to_attr(Attrs& a) {
  std::string to = a.s("to", "");
  DType dt;
  SEGRT_CHECK(dtype_from_name(to, &dt), Internal, "Cast to '", to, "' is not a dtype name");
  a.set("to", static_cast<int64_t>(onnx_dtype(dt)));
}

std::string dim_param_name(const Value& v, int axis) {
  int r = static_cast<int>(v.shape.size());
  if (axis == 0) return "batch";
  if (r == 4) {
    bool nhwc = v.layout == Layout::NHWC;
    int h = nhwc ? 1 : 2;
    if (axis == h) return "height";
    if (axis == h + 1) return "width";
  }
  return v.name + "_d" + std::to_string(axis);
}

std::string graph_name(const Graph& g) {
  std::string stem = std::filesystem::path(g.source_file).stem().string();
  return stem.empty() ? "segrt_graph" : stem;
}

}  // namespace segrt::onnx_export
