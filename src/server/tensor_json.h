// Tensors in the v2 protocol's JSON form: "data" as a (flat or nested) array
// of numbers or booleans in row-major order, and back.
#pragma once
#include <nlohmann/json.hpp>

#include "server/protocol.h"

namespace segrt::server {

// ServeError(BadRequest) naming the tensor when the values do not fit the dtype or shape.
Tensor tensor_from_json(const std::string& name, DType t, const Shape& shape, const nlohmann::json& data);
// A flat JSON array of the tensor's values (FP16/BF16 as numbers).
nlohmann::json tensor_to_json(const Tensor& t);

}  // namespace segrt::server
