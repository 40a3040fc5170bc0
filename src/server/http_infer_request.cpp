// Parsing of the HTTP infer request body: JSON inputs ("data") and the binary
// tensor data extension (raw tensors after a JSON header of a declared length).
#include "server/http_infer_request.h"

#include <cstdlib>

#include "server/tensor_json.h"

namespace segrt::server {

const char* const kInferHeaderLength = "Inference-Header-Content-Length";

namespace {

using json = nlohmann::json;

std::vector<int64_t> shape_of(const json& in, const std::string& name) {
  if (!in.contains("shape") || !in["shape"].is_array())
    throw ServeError(Status::BadRequest, "input '" + name + "': shape missing");
  std::vector<int64_t> dims;
  for (const auto& d : in["shape"]) {
    if (!d.is_number_integer()) throw ServeError(Status::BadRequest, "input '" + name + "': shape holds a non-integer");
    dims.push_back(d.get<int64_t>());
  }
  return dims;
}

// JSON nested deeper than this is refused before it is parsed: nlohmann's
// parser and destructor do not recurse, but dump() and copies do, and one
// request of a few hundred KiB of '[' overflowed the stack in an error message
// (fuzz_serve_json) or in the answer's copy of "id". Valid requests nest
// about 4 levels deep plus their "data" (at most 32, tensor_json.cpp).
constexpr int kMaxJsonDepth = 64;

// Throws BadRequest when arrays and objects nest deeper than kMaxJsonDepth
// (brackets inside strings do not count).
void check_json_depth(const std::string& body, size_t len) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        throw ServeError(Status::BadRequest, "JSON nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

// The length of the JSON part: the whole body, or the extension's header value.
size_t json_length(const std::string& body, const std::string* header_length) {
  if (!header_length) return body.size();
  const std::string& v = *header_length;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end || n > body.size())
    throw ServeError(Status::BadRequest, std::string(kInferHeaderLength) + " '" + v + "' does not fit the body of " +
                                             std::to_string(body.size()) + " bytes");
  return static_cast<size_t>(n);
}

}  // namespace

HttpInferRequest parse_http_infer(const std::string& body, const std::string* header_length) {
  HttpInferRequest p;
  size_t json_len = json_length(body, header_length);
  check_json_depth(body, json_len);
  try {
    p.header = json::parse(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(json_len));
  } catch (const json::exception& e) {
    throw ServeError(Status::BadRequest, std::string("malformed JSON: ") + e.what());
  }
  if (!p.header.is_object() || !p.header.contains("inputs") || !p.header["inputs"].is_array())
    throw ServeError(Status::BadRequest, "the request needs an \"inputs\" array");
  size_t offset = json_len;
  for (const json& in : p.header["inputs"]) {
    if (!in.is_object() || !in.contains("name") || !in["name"].is_string())
      throw ServeError(Status::BadRequest, "every input needs a \"name\"");
    std::string name = in["name"].get<std::string>();
    Shape shape = checked_shape(name, shape_of(in, name));
    DType t;
    if (!in.contains("datatype") || !in["datatype"].is_string() || !dtype_from_v2(in["datatype"].get<std::string>(), &t))
      throw ServeError(Status::BadRequest, "input '" + name + "': datatype " +
                                               (in.contains("datatype") ? in["datatype"].dump() : "missing") +
                                               " (BOOL UINT8 INT8 INT32 INT64 FP16 BF16 FP32 FP64)");
    const json* params = in.contains("parameters") ? &in["parameters"] : nullptr;
    if (params && params->is_object() && params->contains("binary_data_size")) {
      const json& n = (*params)["binary_data_size"];
      if (!n.is_number_unsigned() || n.get<uint64_t>() > body.size() - offset)
        throw ServeError(Status::BadRequest, "input '" + name + "': binary_data_size " + n.dump() +
                                                 " runs past the end of the body");
      size_t bytes = static_cast<size_t>(n.get<uint64_t>());
      p.inputs.push_back({name, tensor_from_bytes(name, t, shape, body.data() + offset, bytes)});
      offset += bytes;
    } else {
      if (!in.contains("data")) throw ServeError(Status::BadRequest, "input '" + name + "': no data");
      p.inputs.push_back({name, tensor_from_json(name, t, shape, in["data"])});
    }
  }
  if (offset != body.size())
    throw ServeError(Status::BadRequest, std::to_string(body.size() - offset) + " bytes after the last binary input");
  return p;
}

}  // namespace segrt::server
