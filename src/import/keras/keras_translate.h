// Keras layer -> canonical IR translation. One table from Keras class name to
// translator (frugally-deep style); each translator file registers its layers:
//
//   SEGRT_KERAS_LAYER("Conv2D", translate_conv);
//
// A translator reads the layer's config and weights through LayerContext,
// emits IR nodes (NHWC kept as the layout, weights converted to ONNX order
// once, here) and returns the layer's output values. The builder names the
// last one after the Keras layer, so `segrt compare` finds Keras activations.
#pragma once
#include <string>
#include <vector>

#include "import/keras/keras_model.h"
#include "ir/graph.h"

namespace segrt::keras {

struct LayerContext {
  Graph& g;
  const LayerSpec& layer;
  const KerasVersion& version;
  std::vector<int> inputs;       // value ids of this call's inputs
  std::vector<int> input_ranks;  // their ranks (batch included)
  LayerWeights weights;
  int out_rank = -1;             // a translator sets it when the rank changes

  const Json& cfg() const { return layer.config; }
  bool has(const char* key) const { return cfg().contains(key) && !cfg()[key].is_null(); }
  int64_t get_int(const char* key, int64_t def) const;
  double get_float(const char* key, double def) const;
  bool get_bool(const char* key, bool def) const;
  std::string get_str(const char* key, const std::string& def) const;
  // An int or a list of n ints ("kernel_size": 3 or [3, 3]).
  std::vector<int64_t> get_ints(const char* key, size_t n, std::vector<int64_t> def = {}) const;
  // True for data_format channels_last (the default).
  bool channels_last() const { return get_str("data_format", "channels_last") != "channels_first"; }

  int input(size_t i) const;
  int rank(size_t i) const;
  // Checks the count of inputs of this call.
  void expect_inputs(size_t lo, size_t hi) const;

  // The layer's weights in the given Keras order ("kernel", "bias"): matched
  // by name when the file records names, by position otherwise; a missing or
  // extra weight is an error naming the layer.
  std::vector<Tensor> take_weights(const std::vector<std::string>& expected);
  // Fails naming the layer unless `t` has shape `want` (-1 = any).
  void check_shape(const Tensor& t, const std::string& what, const Shape& want) const;

  // Adds a node of this layer; its output is named "<layer>/<suffix>".
  int emit(OpType op, std::vector<int> in, const std::string& suffix, Attrs attrs = {});
  int constant(const std::string& suffix, const Tensor& t);
  int const_i64(const std::string& suffix, const std::vector<int64_t>& v);
  int const_f32(const std::string& suffix, const std::vector<float>& v, Shape shape);

  [[noreturn]] void unsupported(const std::string& what) const;
  [[noreturn]] void invalid(const std::string& what) const;
};

using LayerTranslator = std::vector<int> (*)(LayerContext& c);
bool register_layer(const char* keras_class, LayerTranslator t);
LayerTranslator find_layer(const std::string& keras_class);

// Applies a Keras activation by name ("relu", "softmax", ...) to value x;
// returns x for "linear". Unknown names are refused naming the layer.
int apply_activation(LayerContext& c, int x, const std::string& name, const std::string& suffix);
// Reads the layer's "activation" entry (a string; Keras 3 may store a dict).
std::string activation_name(const LayerContext& c);

// Tensor helpers for weight conversion.
Tensor permute(const Tensor& t, const std::vector<int>& perm);

}  // namespace segrt::keras

#define SEGRT_KERAS_CAT2(a, b) a##b
#define SEGRT_KERAS_CAT(a, b) SEGRT_KERAS_CAT2(a, b)
#define SEGRT_KERAS_LAYER(name, fn)                                   \
  static const bool SEGRT_KERAS_CAT(segrt_keras_reg_, __LINE__) =    \
      ::segrt::keras::register_layer(name, fn)
