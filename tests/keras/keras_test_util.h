// Helpers for Keras importer tests: build a graph from a config written in the
// test (weights held in memory, no file), and tensors from literal values.
//
//   Graph g = keras_test::sequential({conv_layer_json}, {-1, 5, 5, 1},
//                                    {{"conv", {{"kernel", k}, {"bias", b}}}});
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "import/keras/keras_builder.h"
#include "test_util.h"

namespace segrt::keras_test {

using keras::Json;
using NamedWeights = std::vector<std::pair<std::string, Tensor>>;
using WeightMap = std::map<std::string, NamedWeights>;

// Weights by layer name (legacy-file style, with names); nested models share the map.
class MemoryStore : public keras::WeightStore {
 public:
  explicit MemoryStore(WeightMap w) : w_(std::move(w)) {}
  keras::LayerWeights layer(const keras::ModelSpec& m, size_t index) override {
    keras::LayerWeights lw;
    lw.where = "memory:" + m.layers[index].name;
    auto it = w_.find(m.layers[index].name);
    if (it == w_.end()) return lw;
    for (const auto& [n, t] : it->second) {
      lw.names.push_back(n);
      lw.values.push_back(t);
    }
    return lw;
  }
  std::unique_ptr<keras::WeightStore> nested(const keras::ModelSpec&, size_t) override {
    return std::make_unique<MemoryStore>(w_);
  }

 private:
  WeightMap w_;
};

// A Keras 2 style Sequential whose first layer carries batch_input_shape.
// The layers come as a vector, not a Json: `Json j = {one_json}` is a
// one-element array for GCC but a copy of the element for clang (CWG 2137),
// which the sanitizer build (clang) met as "operator[] with a numeric argument".
inline Graph sequential(const std::vector<Json>& layer_list, const Shape& input, WeightMap w = {},
                        const std::string& version = "2.4.0") {
  Json layers = Json::array();
  for (const Json& l : layer_list) layers.push_back(l);
  Json shape = Json::array();
  for (auto d : input) shape.push_back(d < 0 ? Json(nullptr) : Json(d));
  layers[0]["config"]["batch_input_shape"] = shape;
  Json model = {{"class_name", "Sequential"}, {"config", {{"name", "seq"}, {"layers", layers}}}};
  MemoryStore store(std::move(w));
  return keras::build_keras_graph(model, keras::KerasVersion::parse(version), store);
}

inline Json layer(const std::string& cls, Json config) {
  return {{"class_name", cls}, {"config", std::move(config)}};
}

// Tensor of shape `s` holding 0, 1, 2, ... (or values from `v`).
inline Tensor iota(const Shape& s, float start = 0.f, float step = 1.f) {
  Tensor t(DType::f32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = start + step * static_cast<float>(i);
  return t;
}
inline Tensor values(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }

inline std::vector<float> to_vec(const Tensor& t) {
  Tensor f = t.to_f32();
  return std::vector<float>(f.data<float>(), f.data<float>() + f.numel());
}

inline const Node* find_node(const Graph& g, OpType op) {
  for (const auto& n : g.nodes)
    if (n.op == op) return &n;
  return nullptr;
}

}  // namespace segrt::keras_test
