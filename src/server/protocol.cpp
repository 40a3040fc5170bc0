// Status mapping, v2 datatype names and the input check shared by the adapters.
#include "server/protocol.h"

#include <cstring>

namespace segrt::server {

Status status_of_current_exception(std::string* message) {
  try {
    throw;
  } catch (const ServeError& e) {
    *message = e.what();
    return e.status();
  } catch (const Error& e) {
    *message = e.what();
    if (e.kind() == ErrorKind::InvalidInput) return Status::BadRequest;
    if (e.kind() == ErrorKind::OutOfMemory) return Status::Unavailable;
    return Status::Internal;
  } catch (const std::bad_alloc&) {
    *message = "out of memory";
    return Status::Unavailable;
  } catch (const std::exception& e) {
    *message = e.what();
    return Status::Internal;
  } catch (...) {
    *message = "unknown failure";
    return Status::Internal;
  }
}

int http_status(Status s) {
  switch (s) {
    case Status::Ok: return 200;
    case Status::BadRequest: return 400;
    case Status::Unauthorized: return 401;
    case Status::NotFound: return 404;
    case Status::TooLarge: return 413;
    case Status::Unavailable: return 503;
    case Status::Timeout: return 504;
    case Status::Internal: return 500;
  }
  return 500;
}

const char* status_name(Status s) {
  switch (s) {
    case Status::Ok: return "ok";
    case Status::BadRequest: return "bad_request";
    case Status::Unauthorized: return "unauthorized";
    case Status::NotFound: return "not_found";
    case Status::TooLarge: return "too_large";
    case Status::Unavailable: return "unavailable";
    case Status::Timeout: return "timeout";
    case Status::Internal: return "internal";
  }
  return "internal";
}

namespace {
struct V2Name {
  DType dtype;
  const char* name;
};
constexpr V2Name kV2Names[] = {
    {DType::boolean, "BOOL"}, {DType::u8, "UINT8"}, {DType::i8, "INT8"},  {DType::i32, "INT32"}, {DType::i64, "INT64"},
    {DType::f16, "FP16"},     {DType::bf16, "BF16"}, {DType::f32, "FP32"}, {DType::f64, "FP64"},
};
}  // namespace

const char* dtype_to_v2(DType t) {
  for (const auto& n : kV2Names)
    if (n.dtype == t) return n.name;
  return "UNKNOWN";
}

bool dtype_from_v2(const std::string& name, DType* out) {
  for (const auto& n : kV2Names)
    if (name == n.name) {
      *out = n.dtype;
      return true;
    }
  return false;
}

Shape checked_shape(const std::string& name, const std::vector<int64_t>& dims) {
  // 2^31 elements is far above any request the size limit lets through; it
  // keeps the products below from overflowing.
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > (int64_t{1} << 31))
      throw ServeError(Status::BadRequest, "input '" + name + "': bad dimension " + std::to_string(d) + " in shape");
    n *= std::max<int64_t>(d, 1);
    if (n > (int64_t{1} << 31)) throw ServeError(Status::BadRequest, "input '" + name + "': shape too large");
  }
  return Shape(dims.begin(), dims.end());
}

Tensor tensor_from_bytes(const std::string& name, DType t, const Shape& shape, const void* data, size_t bytes) {
  size_t want = static_cast<size_t>(shape_numel(shape)) * dtype_size(t);
  if (bytes != want)
    throw ServeError(Status::BadRequest, "input '" + name + "': " + std::to_string(bytes) + " bytes of data for shape " +
                                             shape_str(shape) + " " + dtype_to_v2(t) + " (" + std::to_string(want) +
                                             " expected)");
  // A BOOL is one byte, 0 or 1: any other byte would be a bool value C++
  // cannot hold wherever the tensor is read as bool (the JSON answer, a model
  // that echoes it); the serve fuzz harnesses read every value as its type.
  if (t == DType::boolean) {
    const auto* b = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < want; ++i)
      if (b[i] > 1)
        throw ServeError(Status::BadRequest, "input '" + name + "': BOOL element " + std::to_string(i) + " is byte " +
                                                 std::to_string(b[i]) + " (0 or 1 expected)");
  }
  Tensor x(t, shape);
  if (want) std::memcpy(x.raw(), data, want);
  return x;
}

std::vector<Tensor> order_inputs(const std::vector<TensorInfo>& decl, std::vector<NamedTensor> given) {
  std::vector<Tensor> out(decl.size());
  std::vector<bool> seen(decl.size(), false);
  for (auto& g : given) {
    size_t i = 0;
    while (i < decl.size() && decl[i].name != g.name) ++i;
    if (i == decl.size()) {
      std::string names;
      for (const auto& d : decl) names += (names.empty() ? "" : ", ") + d.name;
      throw ServeError(Status::BadRequest, "unknown input '" + g.name + "' (the model takes: " + names + ")");
    }
    if (seen[i]) throw ServeError(Status::BadRequest, "input '" + g.name + "' given twice");
    seen[i] = true;
    const TensorInfo& d = decl[i];
    if (g.value.dtype() != d.dtype)
      throw ServeError(Status::BadRequest, "input '" + d.name + "': datatype " + dtype_to_v2(g.value.dtype()) +
                                               ", the model takes " + dtype_to_v2(d.dtype));
    const Shape& s = g.value.shape();
    bool ok = s.size() == d.shape.size();
    for (size_t k = 0; ok && k < s.size(); ++k) ok = d.shape[k] < 0 ? s[k] > 0 : s[k] == d.shape[k];
    if (!ok)
      throw ServeError(Status::BadRequest, "input '" + d.name + "': shape " + shape_str(s) + ", the model takes " +
                                               shape_str(d.shape) + " (-1: any size)");
    out[i] = std::move(g.value);
    out[i].set_layout(d.layout);
  }
  for (size_t i = 0; i < decl.size(); ++i)
    if (!seen[i]) throw ServeError(Status::BadRequest, "input '" + decl[i].name + "' missing");
  return out;
}

}  // namespace segrt::server
