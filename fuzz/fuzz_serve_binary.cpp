// libFuzzer harness for the binary tensor data extension of HTTP infer
// requests. Input: the Inference-Header-Content-Length value, a newline, then
// the body (JSON header + raw tensor bytes); with no newline, the whole input
// is a body sent without the header. Through parse_http_infer and the
// server's input check.
#include <cstring>

#include "serve_fuzz.h"
#include "server/http_infer_request.h"

using namespace segrt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* p = reinterpret_cast<const char*>(data);
  const char* nl = static_cast<const char*>(std::memchr(p, '\n', size));
  std::string length = nl ? std::string(p, nl) : std::string();
  std::string body = nl ? std::string(nl + 1, p + size) : std::string(p, size);
  try {
    server::HttpInferRequest r = server::parse_http_infer(body, nl ? &length : nullptr);
    fuzz::check_request(std::move(r.inputs));
  } catch (const server::ServeError&) {
  } catch (const Error&) {
  }
  return 0;
}
