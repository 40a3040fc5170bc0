// ModelInferRequest -> tensors: raw_input_contents (bytes as they lie in
// memory) or the typed contents fields, one per datatype family.
#include "server/grpc_infer_request.h"

#include <type_traits>

#include "grpc_predict_v2.pb.h"

namespace segrt::server {

namespace {

template <class T>
Tensor from_repeated(const std::string& name, DType t, const Shape& shape, const T& values) {
  int64_t n = shape_numel(shape);
  if (values.size() != n)
    throw ServeError(Status::BadRequest, "input '" + name + "': " + std::to_string(values.size()) +
                                             " values in contents for shape " + shape_str(shape) + " (" +
                                             std::to_string(n) + " expected)");
  Tensor x(t, shape);
  using V = std::decay_t<decltype(values.Get(0))>;
  std::vector<V> v(values.begin(), values.end());
  DType from = std::is_same_v<V, float>      ? DType::f32
               : std::is_same_v<V, double>   ? DType::f64
               : std::is_same_v<V, int64_t>  ? DType::i64
               : std::is_same_v<V, bool>     ? DType::boolean
                                             : DType::i64;
  if constexpr (std::is_same_v<V, int32_t> || std::is_same_v<V, uint32_t> || std::is_same_v<V, uint64_t>) {
    std::vector<int64_t> w(v.begin(), v.end());
    cast_elements(DType::i64, w.data(), t, x.raw(), 0, n);
  } else if constexpr (std::is_same_v<V, bool>) {
    std::vector<uint8_t> w(v.begin(), v.end());  // std::vector<bool> has no data()
    cast_elements(DType::u8, w.data(), t, x.raw(), 0, n);
  } else {
    cast_elements(from, v.data(), t, x.raw(), 0, n);
  }
  return x;
}

}  // namespace

std::vector<NamedTensor> grpc_request_inputs(const inference::ModelInferRequest& r) {
  bool raw = r.raw_input_contents_size() > 0;
  if (raw && r.raw_input_contents_size() != r.inputs_size())
    throw ServeError(Status::BadRequest, std::to_string(r.raw_input_contents_size()) + " raw_input_contents for " +
                                             std::to_string(r.inputs_size()) + " inputs");
  std::vector<NamedTensor> out;
  for (int i = 0; i < r.inputs_size(); ++i) {
    const auto& in = r.inputs(i);
    DType t;
    if (!dtype_from_v2(in.datatype(), &t))
      throw ServeError(Status::BadRequest, "input '" + in.name() + "': datatype '" + in.datatype() +
                                               "' (BOOL UINT8 INT8 INT32 INT64 FP16 BF16 FP32 FP64)");
    Shape shape = checked_shape(in.name(), {in.shape().begin(), in.shape().end()});
    if (raw) {
      const std::string& b = r.raw_input_contents(i);
      out.push_back({in.name(), tensor_from_bytes(in.name(), t, shape, b.data(), b.size())});
      continue;
    }
    const auto& c = in.contents();
    Tensor x;
    switch (t) {
      case DType::f32: x = from_repeated(in.name(), t, shape, c.fp32_contents()); break;
      case DType::f64: x = from_repeated(in.name(), t, shape, c.fp64_contents()); break;
      case DType::i64: x = from_repeated(in.name(), t, shape, c.int64_contents()); break;
      case DType::i32:
      case DType::i8: x = from_repeated(in.name(), t, shape, c.int_contents()); break;
      case DType::u8: x = from_repeated(in.name(), t, shape, c.uint_contents()); break;
      case DType::boolean: x = from_repeated(in.name(), t, shape, c.bool_contents()); break;
      default:
        throw ServeError(Status::BadRequest, "input '" + in.name() + "': " + in.datatype() +
                                                 " travels only in raw_input_contents");
    }
    out.push_back({in.name(), std::move(x)});
  }
  return out;
}

}  // namespace segrt::server
