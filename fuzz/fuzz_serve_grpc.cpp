// libFuzzer harness for gRPC ModelInfer requests: the input is a serialized
// inference.ModelInferRequest, as gRPC hands it to the service (a message
// protobuf cannot parse is refused by gRPC before segrt sees it), through
// grpc_request_inputs and the server's input check.
#include "grpc_predict_v2.pb.h"
#include "serve_fuzz.h"
#include "server/grpc_infer_request.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  inference::ModelInferRequest q;
  if (!q.ParseFromArray(data, static_cast<int>(size))) return 0;
  try {
    fuzz::check_request(server::grpc_request_inputs(q));
  } catch (const server::ServeError&) {
  } catch (const Error&) {
  }
  return 0;
}
