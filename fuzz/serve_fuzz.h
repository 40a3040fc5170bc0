// Shared by the server's request harnesses (fuzz_serve_json, _binary, _grpc):
// after parsing, what the server does before inference: order_inputs against
// the bundled membrane U-Net's declaration (image FP32 [-1, 1, -1, -1], NCHW),
// and every value of every tensor read as its type, so UBSan sees a value the
// type cannot hold (a BOOL byte other than 0 or 1). ServeError and
// segrt::Error are the expected outcomes for malformed requests.
#pragma once
#include <cstdint>
#include <vector>

#include "server/protocol.h"

namespace segrt::fuzz {

inline const std::vector<TensorInfo>& membrane_inputs() {
  static const std::vector<TensorInfo> decl{{"image", DType::f32, {-1, 1, -1, -1}, Layout::NCHW}};
  return decl;
}

// A sum over the tensor's values, read as its dtype (the compiler cannot drop the reads).
inline double read_values(const Tensor& t) {
  double s = 0;
  int64_t n = t.numel();
  switch (t.dtype()) {
    case DType::boolean:
      for (int64_t i = 0; i < n; ++i) s += t.data<bool>()[i] ? 1 : 0;
      break;
    case DType::f32:
      for (int64_t i = 0; i < n; ++i) s += t.data<float>()[i];
      break;
    default: {
      const auto* p = static_cast<const uint8_t*>(t.raw());
      for (size_t i = 0; i < t.nbytes(); ++i) s += p[i];
    }
  }
  return s;
}

inline void check_request(std::vector<NamedTensor> given) {
  volatile double sink = 0;
  for (const auto& g : given) sink = sink + read_values(g.value);
  server::order_inputs(membrane_inputs(), std::move(given));
}

}  // namespace segrt::fuzz
