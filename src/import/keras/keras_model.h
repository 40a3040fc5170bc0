// The Keras importer's view of a model file, independent of how it was stored
// (legacy .h5, Keras 3 .keras zip, architecture JSON + weights file):
// the Keras version, the model's layer graph as parsed from its config JSON,
// and a store that hands out each layer's weights.
//
//   ModelSpec m = parse_model(config_json);        // Sequential or Functional
//   LayerWeights w = store.layer(m.layers[3], 3);  // kernel, bias, ...
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "segrt/tensor.h"

namespace segrt::keras {

using Json = nlohmann::json;

// "2.4.0", "2.2.4-tf", "3.13.2". Decides version-dependent semantics.
struct KerasVersion {
  int major = 2, minor = 0, patch = 0;
  bool tf_keras = false;  // "-tf" suffix: tf.keras bundled with TensorFlow 1.x / 2.0-2.3
  std::string text = "unknown";
  static KerasVersion parse(const std::string& s);
  bool keras3() const { return major >= 3; }
  // Bilinear UpSampling2D: TF2's tf.image.resize (half_pixel) from Keras 2.4 /
  // tf.keras 2.3.0-tf on, TF1's resize_bilinear (asymmetric) before (docs/keras.md).
  bool bilinear_half_pixel() const;
};

// One tensor produced by a layer call: Keras' [layer_name, node_index, tensor_index].
struct TensorRef {
  std::string layer;
  int node = 0;
  int tensor = 0;
};

struct LayerSpec {
  std::string name;
  std::string class_name;
  std::string module;                       // Keras 3 "keras.layers", "qkeras.qlayers"; "" in Keras 2
  Json config;                              // the layer's "config" object
  std::vector<std::vector<TensorRef>> calls;  // inputs of each call of the layer, in call order
};

struct ModelSpec {
  std::string name;
  std::string class_name;                   // Sequential, Functional, Model
  std::vector<LayerSpec> layers;            // in config order (topological for Functional)
  std::vector<TensorRef> inputs, outputs;
};

// Parses a model object {"class_name": ..., "config": ...}: Sequential (the
// old bare-list form and the dict form) and Functional/Model, Keras 2 and 3
// inbound-node formats. A Sequential becomes a chain with an explicit InputLayer.
ModelSpec parse_model(const Json& model);
// True for a layer that is itself a model (inlined by the graph builder).
bool is_nested_model(const LayerSpec& l);
// Keras 3's name for an object of this class in weight files: MaxPooling2D -> max_pooling2d.
std::string snake_case(const std::string& class_name);

// A layer's weights in Keras order; names are "kernel", "bias", ... when the
// file records them (legacy HDF5), empty for Keras 3 files (position only).
struct LayerWeights {
  std::vector<std::string> names;
  std::vector<Tensor> values;
  std::string where;  // HDF5 location, for errors
};

class WeightStore {
 public:
  virtual ~WeightStore() = default;
  // Weights of layer `index` of the model this store belongs to; a layer the
  // file has no entry for yields no weights (the builder reports it if it needs some).
  virtual LayerWeights layer(const ModelSpec& m, size_t index) = 0;
  // The store of a nested model used as layer `index`.
  virtual std::unique_ptr<WeightStore> nested(const ModelSpec& m, size_t index) = 0;
};

// An HDF5 file (owned by the store) with weights in one of the two layouts:
// legacy (model_weights/<layer>/ with weight_names, or the root of a
// save_weights() file) or Keras 3 (layers/<snake_case>/vars/<i>).
class H5File;
std::unique_ptr<WeightStore> make_weight_store(std::shared_ptr<H5File> file, bool full_model_file);

}  // namespace segrt::keras
