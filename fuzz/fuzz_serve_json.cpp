// libFuzzer harness for the HTTP infer request body in JSON ("data" arrays):
// the input is the whole body, sent without Inference-Header-Content-Length,
// through parse_http_infer and the server's input check.
#include "serve_fuzz.h"
#include "server/http_infer_request.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    server::HttpInferRequest r = server::parse_http_infer(std::string(reinterpret_cast<const char*>(data), size), nullptr);
    fuzz::check_request(std::move(r.inputs));
  } catch (const server::ServeError&) {
  } catch (const Error&) {
  }
  return 0;
}
