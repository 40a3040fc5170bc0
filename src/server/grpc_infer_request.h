// A gRPC ModelInferRequest (grpc_predict_v2.proto) -> the client's tensors,
// from raw_input_contents or the typed contents. Pure message handling, no
// gRPC server: the gRPC front end calls it, and so does the fuzz harness
// (fuzz/fuzz_serve_grpc.cpp) on a message parsed from bytes.
//
//   std::vector<NamedTensor> given = grpc_request_inputs(*request);   // throws ServeError(BadRequest)
//   std::vector<Tensor> in = order_inputs(model.inputs(), std::move(given));
#pragma once
#include <vector>

#include "server/protocol.h"

namespace inference {
class ModelInferRequest;
}

namespace segrt::server {

std::vector<NamedTensor> grpc_request_inputs(const inference::ModelInferRequest& r);

}  // namespace segrt::server
