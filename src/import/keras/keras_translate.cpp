// LayerContext helpers and the Keras class -> translator table.
#include "import/keras/keras_translate.h"

#include "core/registry.h"

namespace segrt::keras {

namespace {
struct LayerTag;
using Layers = Registry<std::string, LayerTranslator, LayerTag>;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none" : s;
}
}  // namespace

bool register_layer(const char* keras_class, LayerTranslator t) { return Layers::add(keras_class, t); }

LayerTranslator find_layer(const std::string& keras_class) { return Layers::get(keras_class); }

void LayerContext::unsupported(const std::string& what) const {
  Error e(ErrorKind::Unsupported, "Keras layer '" + layer.name + "' (" + layer.class_name + "): " + what);
  throw e.with_node(layer.name, layer.class_name);
}

void LayerContext::invalid(const std::string& what) const {
  Error e(ErrorKind::InvalidModel, "Keras layer '" + layer.name + "' (" + layer.class_name + "): " + what);
  throw e.with_node(layer.name, layer.class_name);
}

int64_t LayerContext::get_int(const char* key, int64_t def) const {
  if (!has(key)) return def;
  const Json& v = cfg()[key];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())))
    return static_cast<int64_t>(v.get<double>());
  if (v.is_array() && v.size() == 1 && v[0].is_number_integer()) return v[0].get<int64_t>();
  invalid(std::string("config '") + key + "' should be an integer, is " + v.dump());
}

double LayerContext::get_float(const char* key, double def) const {
  if (!has(key)) return def;
  const Json& v = cfg()[key];
  if (v.is_number()) return v.get<double>();
  invalid(std::string("config '") + key + "' should be a number, is " + v.dump());
}

bool LayerContext::get_bool(const char* key, bool def) const {
  if (!has(key)) return def;
  const Json& v = cfg()[key];
  if (v.is_boolean()) return v.get<bool>();
  invalid(std::string("config '") + key + "' should be true or false, is " + v.dump());
}

std::string LayerContext::get_str(const char* key, const std::string& def) const {
  if (!has(key)) return def;
  const Json& v = cfg()[key];
  if (v.is_string()) return v.get<std::string>();
  invalid(std::string("config '") + key + "' should be a string, is " + v.dump());
}

std::vector<int64_t> LayerContext::get_ints(const char* key, size_t n, std::vector<int64_t> def) const {
  if (!has(key)) {
    if (def.size() == 1 && n > 1) def.assign(n, def[0]);
    if (def.size() != n) invalid(std::string("config '") + key + "' is missing");
    return def;
  }
  const Json& v = cfg()[key];
  if (v.is_number_integer()) return std::vector<int64_t>(n, v.get<int64_t>());
  if (v.is_array() && v.size() == n) {
    std::vector<int64_t> out;
    for (const auto& e : v) {
      if (!e.is_number_integer()) invalid(std::string("config '") + key + "' should hold integers: " + v.dump());
      out.push_back(e.get<int64_t>());
    }
    return out;
  }
  invalid(std::string("config '") + key + "' should be an integer or " + std::to_string(n) + " integers, is " +
          v.dump());
}

int LayerContext::input(size_t i) const {
  if (i >= inputs.size()) invalid("expects at least " + std::to_string(i + 1) + " inputs");
  return inputs[i];
}

int LayerContext::rank(size_t i) const {
  input(i);
  return input_ranks.at(i);
}

void LayerContext::expect_inputs(size_t lo, size_t hi) const {
  if (inputs.size() < lo || inputs.size() > hi)
    invalid("called with " + std::to_string(inputs.size()) + " inputs, expects " + std::to_string(lo) +
            (hi != lo ? " to " + std::to_string(hi) : std::string()));
}

std::vector<Tensor> LayerContext::take_weights(const std::vector<std::string>& expected) {
  if (weights.values.empty() && !expected.empty())
    invalid("the weights file has no weights for this layer (expects " + join(expected) + ")");
  if (weights.values.size() != expected.size())
    invalid("expects " + std::to_string(expected.size()) + " weights (" + join(expected) + "), " + weights.where +
            " holds " + std::to_string(weights.values.size()) +
            (weights.names.empty() ? std::string() : " (" + join(weights.names) + ")"));
  if (weights.names.empty()) return weights.values;
  std::vector<Tensor> out;
  for (const auto& want : expected) {
    size_t i = 0;
    while (i < weights.names.size() && weights.names[i] != want) ++i;
    if (i == weights.names.size())
      invalid("weight '" + want + "' is missing from " + weights.where + " (it holds " + join(weights.names) + ")");
    out.push_back(weights.values[i]);
  }
  return out;
}

void LayerContext::check_shape(const Tensor& t, const std::string& what, const Shape& want) const {
  bool ok = t.rank() == static_cast<int>(want.size());
  for (size_t i = 0; ok && i < want.size(); ++i) ok = want[i] < 0 || want[i] == t.shape()[i];
  if (!ok) {
    std::string w = "[";
    for (size_t i = 0; i < want.size(); ++i) w += (i ? "," : "") + (want[i] < 0 ? std::string("?") : std::to_string(want[i]));
    invalid("weight '" + what + "' has shape " + shape_str(t.shape()) + ", the layer's config needs " + w + "]");
  }
}

int LayerContext::emit(OpType op, std::vector<int> in, const std::string& suffix, Attrs attrs) {
  int out = g.add_value(g.unique_name(layer.name + "/" + suffix));
  Node& n = g.add_node(op, layer.name + "/" + suffix, std::move(in), {out});
  n.attrs = std::move(attrs);
  n.source_name = layer.name;
  n.source_op = layer.class_name;
  return out;
}

int LayerContext::constant(const std::string& suffix, const Tensor& t) {
  return g.add_constant(g.unique_name(layer.name + "/" + suffix), t);
}

int LayerContext::const_i64(const std::string& suffix, const std::vector<int64_t>& v) {
  return constant(suffix, Tensor::from_i64(v, {static_cast<int64_t>(v.size())}));
}

int LayerContext::const_f32(const std::string& suffix, const std::vector<float>& v, Shape shape) {
  return constant(suffix, Tensor::from_vector(v, std::move(shape)));
}

Tensor permute(const Tensor& t, const std::vector<int>& perm) {
  const int r = t.rank();
  SEGRT_CHECK(static_cast<int>(perm.size()) == r, Internal, "permute: rank mismatch");
  Tensor src = t.to_f32();
  Shape out_shape(static_cast<size_t>(r));
  for (int i = 0; i < r; ++i) out_shape[i] = src.shape()[perm[i]];
  Tensor out(DType::f32, out_shape);
  std::vector<int64_t> in_strides(static_cast<size_t>(r), 1);
  for (int i = r - 2; i >= 0; --i) in_strides[i] = in_strides[i + 1] * src.shape()[i + 1];
  std::vector<int64_t> idx(static_cast<size_t>(r), 0);
  const float* s = src.data<float>();
  float* d = out.data<float>();
  for (int64_t o = 0; o < out.numel(); ++o) {
    int64_t off = 0;
    for (int i = 0; i < r; ++i) off += idx[i] * in_strides[perm[i]];
    d[o] = s[off];
    for (int i = r - 1; i >= 0; --i) {  // odometer over the output index
      if (++idx[i] < out_shape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

}  // namespace segrt::keras
