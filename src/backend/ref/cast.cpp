// Reference Cast. Integer targets: from floats truncate toward zero and
// saturate (NaN -> 0), where a C++ conversion would be undefined behaviour;
// from integers wrap modulo 2^bits, as numpy's astype does. Float targets
// and bool ("!= 0") go through Tensor::cast (float16/bfloat16 round to
// nearest even).
#include <algorithm>
#include <cmath>

#include "backend/ref/ref.h"

namespace segrt::ref {

namespace {

template <class T>
void store_ints(Tensor& out, const std::vector<int64_t>& v) {
  T* p = out.data<T>();
  for (size_t i = 0; i < v.size(); ++i) p[i] = static_cast<T>(v[i]);  // modular since C++20
}

void cast_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const DType to = out[0].dtype();
  if (dtype_is_float(to) || to == DType::boolean) {
    out[0] = in[0]->cast(to);
    return;
  }
  std::vector<int64_t> v;
  if (dtype_is_float(in[0]->dtype())) {
    double lo = -9.2e18, hi = 9.2e18;  // int64, inside its exact double range
    if (to == DType::i32) lo = -2147483648.0, hi = 2147483647.0;
    if (to == DType::i8) lo = -128, hi = 127;
    if (to == DType::u8) lo = 0, hi = 255;
    for (double x : in[0]->to_f64_vector())
      v.push_back(std::isnan(x) ? 0 : static_cast<int64_t>(std::clamp(std::trunc(x), lo, hi)));
  } else {
    v = in[0]->to_i64_vector();
  }
  switch (to) {
    case DType::i64: store_ints<int64_t>(out[0], v); break;
    case DType::i32: store_ints<int32_t>(out[0], v); break;
    case DType::i8: store_ints<int8_t>(out[0], v); break;
    case DType::u8: store_ints<uint8_t>(out[0], v); break;
    default: SEGRT_FAIL(Internal, "Cast to ", dtype_name(to));
  }
}

}  // namespace

SEGRT_REF_KERNEL(Cast, cast_kernel);

}  // namespace segrt::ref
