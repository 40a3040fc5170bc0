// Builds the canonical IR graph of a parsed Keras model: one graph input per
// model input (NHWC for channels_last models), each layer call translated
// through the class table, nested models (a model used as a layer) inlined.
//
//   Graph g = build_keras_graph(model_config_json, version, *weights);
#pragma once
#include "import/keras/keras_model.h"
#include "ir/graph.h"

namespace segrt::keras {

Graph build_keras_graph(const Json& model_config, const KerasVersion& version, WeightStore& weights);

}  // namespace segrt::keras
