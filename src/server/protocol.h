// What the HTTP and gRPC adapters share: protocol errors with their status,
// the v2 datatype names, and the check that turns client tensors into the
// model's inputs (naming the tensor when its dtype or shape is wrong).
//
//   DType t;
//   if (!dtype_from_v2("FP32", &t)) throw ServeError(Status::BadRequest, "...");
//   std::vector<Tensor> in = order_inputs(model.inputs(), named);   // throws ServeError
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "segrt/engine.h"
#include "segrt/npy.h"

namespace segrt::server {

// Protocol-neutral outcome; each adapter maps it (HTTP status, gRPC code).
enum class Status { Ok, BadRequest, Unauthorized, NotFound, TooLarge, Unavailable, Timeout, Internal };
int http_status(Status s);
const char* status_name(Status s);  // "ok", "bad_request", ... (metrics label)

class ServeError : public std::runtime_error {
 public:
  ServeError(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

// The one mapping of a failure to a protocol status, for both front ends:
// called in a catch block, it rethrows the current exception and returns its
// status (ServeError's own; segrt::Error by kind; out of memory: Unavailable)
// with the message for the client.
Status status_of_current_exception(std::string* message);

// v2 datatype names: BOOL UINT8 INT8 INT32 INT64 FP16 BF16 FP32 FP64.
const char* dtype_to_v2(DType t);
bool dtype_from_v2(const std::string& name, DType* out);

// A tensor as a client sent it: segrt::NamedTensor (segrt/npy.h).

// The client's tensors in the model's input order, checked against the
// declarations: every input present once, dtype equal, rank and fixed dims
// equal. ServeError(BadRequest) names the tensor and what was expected.
std::vector<Tensor> order_inputs(const std::vector<TensorInfo>& decl, std::vector<NamedTensor> given);

// A tensor from raw little-endian row-major bytes; BadRequest naming the tensor
// when the byte count does not match the shape, or a BOOL byte is not 0 or 1.
Tensor tensor_from_bytes(const std::string& name, DType t, const Shape& shape, const void* data, size_t bytes);
// Shape from a client: non-negative dims, bounded element count.
Shape checked_shape(const std::string& name, const std::vector<int64_t>& dims);

}  // namespace segrt::server
