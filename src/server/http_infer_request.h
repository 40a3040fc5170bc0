// The body of an HTTP infer request (POST /v2/models/M/infer) -> the JSON
// header and the client's tensors, with or without the binary tensor data
// extension. Pure parsing, no network: the HTTP front end calls it, and so
// do the fuzz harnesses (fuzz/fuzz_serve_json.cpp, fuzz_serve_binary.cpp).
//
//   std::string length = req.get_header_value(kInferHeaderLength);
//   HttpInferRequest r = parse_http_infer(req.body, req.has_header(kInferHeaderLength) ? &length : nullptr);
//   // throws ServeError(BadRequest) naming what is wrong
//   std::vector<Tensor> in = order_inputs(model.inputs(), std::move(r.inputs));
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/protocol.h"

namespace segrt::server {

// The binary extension's header: the length of the JSON part of the body.
extern const char* const kInferHeaderLength;  // "Inference-Header-Content-Length"

struct HttpInferRequest {
  nlohmann::json header;             // the JSON part (outputs, parameters, id: read by the answer)
  std::vector<NamedTensor> inputs;   // in the client's order
};

// body: the whole request body; header_length: the Inference-Header-Content-Length
// value, null when the request has none (then the body is all JSON).
HttpInferRequest parse_http_infer(const std::string& body, const std::string* header_length);

}  // namespace segrt::server
