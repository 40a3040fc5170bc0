// JSON <-> tensor for the v2 protocol's "data" field.
#include "server/tensor_json.h"

#include <cmath>

namespace segrt::server {

namespace {

void flatten(const nlohmann::json& j, std::vector<const nlohmann::json*>& out, int depth, const std::string& name) {
  if (depth > 32) throw ServeError(Status::BadRequest, "input '" + name + "': data nested too deeply");
  if (j.is_array()) {
    for (const auto& v : j) flatten(v, out, depth + 1, name);
  } else {
    out.push_back(&j);
  }
}

}  // namespace

Tensor tensor_from_json(const std::string& name, DType t, const Shape& shape, const nlohmann::json& data) {
  std::vector<const nlohmann::json*> values;
  flatten(data, values, 0, name);
  int64_t n = shape_numel(shape);
  if (static_cast<int64_t>(values.size()) != n)
    throw ServeError(Status::BadRequest, "input '" + name + "': " + std::to_string(values.size()) +
                                             " values in data for shape " + shape_str(shape) + " (" +
                                             std::to_string(n) + " expected)");
  Tensor x(t, shape);
  auto bad = [&](int64_t i, const char* want) {
    return ServeError(Status::BadRequest, "input '" + name + "': data[" + std::to_string(i) + "] = " +
                                              values[static_cast<size_t>(i)]->dump() + " is not " + want);
  };
  if (t == DType::boolean) {
    auto* p = x.data<bool>();
    for (int64_t i = 0; i < n; ++i) {
      if (!values[i]->is_boolean()) throw bad(i, "a boolean");
      p[i] = values[i]->get<bool>();
    }
    return x;
  }
  if (dtype_is_float(t)) {
    // Through double, then one conversion to the tensor's type (f16/bf16 round to nearest even).
    std::vector<double> d(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      if (!values[i]->is_number()) throw bad(i, "a number");
      d[i] = values[i]->get<double>();
    }
    cast_elements(DType::f64, d.data(), t, x.raw(), 0, n);
    return x;
  }
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (!values[i]->is_number_integer()) throw bad(i, "an integer");
    v[i] = values[i]->is_number_unsigned() ? static_cast<int64_t>(values[i]->get<uint64_t>()) : values[i]->get<int64_t>();
  }
  cast_elements(DType::i64, v.data(), t, x.raw(), 0, n);
  return x;
}

nlohmann::json tensor_to_json(const Tensor& t) {
  nlohmann::json a = nlohmann::json::array();
  int64_t n = t.numel();
  auto& arr = a.get_ref<nlohmann::json::array_t&>();
  arr.reserve(static_cast<size_t>(n));
  if (t.dtype() == DType::boolean) {
    const bool* p = t.data<bool>();
    for (int64_t i = 0; i < n; ++i) arr.emplace_back(p[i]);
  } else if (t.dtype() == DType::f32) {
    const float* p = t.data<float>();
    for (int64_t i = 0; i < n; ++i) arr.emplace_back(static_cast<double>(p[i]));
  } else if (dtype_is_float(t.dtype())) {
    std::vector<double> d(static_cast<size_t>(n));
    cast_elements(t.dtype(), t.raw(), DType::f64, d.data(), 0, n);
    for (double v : d) arr.emplace_back(v);
  } else {
    std::vector<int64_t> v(static_cast<size_t>(n));
    cast_elements(t.dtype(), t.raw(), DType::i64, v.data(), 0, n);
    for (int64_t x : v) arr.emplace_back(x);
  }
  return a;
}

}  // namespace segrt::server
