// The Keras graph builder (see keras_builder.h). Layer calls are translated
// in dependency order; each call's output value is named after its layer
// (a repeated call gets "_1", "_2"), every node keeps the layer's name and
// class as source_name / source_op.
#include "import/keras/keras_builder.h"

#include <map>

#include "import/keras/keras_translate.h"

namespace segrt::keras {

namespace {

bool mentions_channels_first(const Json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if ((it.key() == "data_format" && it.value() == "channels_first") || mentions_channels_first(it.value()))
        return true;
  } else if (j.is_array()) {
    for (const auto& e : j)
      if (mentions_channels_first(e)) return true;
  }
  return false;
}

class Builder {
 public:
  Builder(Graph& g, const KerasVersion& v, bool channels_first) : g_(g), version_(v), channels_first_(channels_first) {}

  // Builds model m; `feed` gives the values of its inputs when it is nested,
  // nullptr for the top-level model (whose inputs become graph inputs).
  std::vector<int> build(const ModelSpec& m, WeightStore& w, const std::vector<int>* feed) {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < m.layers.size(); ++i) {
      SEGRT_CHECK(index.emplace(m.layers[i].name, i).second, InvalidModel, "model '", m.name,
                  "' has two layers named '", m.layers[i].name, "'");
    }
    std::map<std::string, int> offsets;  // nested-model layers: config node index - call index
    for (const auto& l : m.layers)
      if (int off = node_offset(l)) offsets[l.name] = off;
    // produced[layer][call] = output values of that call
    std::map<std::string, std::vector<std::vector<int>>> produced;
    if (feed) SEGRT_CHECK(feed->size() == m.inputs.size(), InvalidModel, "nested model '", m.name, "' takes ",
                          m.inputs.size(), " inputs, is called with ", feed->size());
    for (size_t i = 0; i < m.inputs.size(); ++i) {
      auto it = index.find(m.inputs[i].layer);
      SEGRT_CHECK(it != index.end(), InvalidModel, "model '", m.name, "': input layer '", m.inputs[i].layer,
                  "' is not among its layers");
      const LayerSpec& l = m.layers[it->second];
      produced[l.name] = {{feed ? (*feed)[i] : add_graph_input(l)}};
    }

    // Translate calls whose inputs exist, in config order, until all are done.
    std::vector<size_t> next_call(m.layers.size(), 0);
    size_t remaining = 0;
    for (const auto& l : m.layers)
      if (l.class_name != "InputLayer") remaining += l.calls.size();
    while (remaining > 0) {
      bool progress = false;
      std::string stuck;
      for (size_t li = 0; li < m.layers.size(); ++li) {
        const LayerSpec& l = m.layers[li];
        if (l.class_name == "InputLayer") continue;
        while (next_call[li] < l.calls.size()) {
          std::vector<int> ins;
          std::string missing;
          for (const auto& r : l.calls[next_call[li]]) {
            int v = lookup(produced, offsets, r);
            if (v < 0) {
              missing = r.layer;
              break;
            }
            ins.push_back(v);
          }
          if (!missing.empty()) {
            if (stuck.empty()) stuck = "layer '" + l.name + "' waits for '" + missing + "'";
            break;
          }
          auto outs = translate_call(m, li, next_call[li], ins, w);
          produced[l.name].push_back(outs);
          ++next_call[li];
          --remaining;
          progress = true;
        }
      }
      SEGRT_CHECK(progress, InvalidModel, "model '", m.name, "': the layer graph cannot be evaluated (", stuck,
                  ", which no layer produces)");
    }

    std::vector<int> outs;
    for (const auto& r : m.outputs) {
      int v = lookup(produced, offsets, r);
      SEGRT_CHECK(v >= 0, InvalidModel, "model '", m.name, "': output '", r.layer, "' is never produced");
      outs.push_back(v);
    }
    return outs;
  }

 private:
  // Keras numbers the calls of a nested model from 1 in configs: node 0 is the
  // model's own construction (Keras 2 "Networks start with a pre-existing
  // node", Keras 3 get_tensor's node_index -= 1). Other layers count from 0.
  static int node_offset(const LayerSpec& l) {
    if (!is_nested_model(l)) return 0;
    if (l.class_name != "Sequential") return 1;
    const Json& layers = l.config.is_array() ? l.config : l.config.value("layers", Json::array());
    if (layers.empty()) return 0;
    const Json& first = layers[0];
    bool has_input = first.value("class_name", std::string()) == "InputLayer" ||
                     (first.contains("config") && (first["config"].contains("batch_input_shape") ||
                                                   first["config"].contains("batch_shape")));
    return has_input ? 1 : 0;
  }

  static int lookup(const std::map<std::string, std::vector<std::vector<int>>>& produced,
                    const std::map<std::string, int>& offsets, const TensorRef& r) {
    auto it = produced.find(r.layer);
    if (it == produced.end()) return -1;
    auto off = offsets.find(r.layer);
    int node = r.node - (off == offsets.end() ? 0 : off->second);
    if (node < 0) node = r.node;  // tolerate writers that count from 0
    if (static_cast<size_t>(node) >= it->second.size()) return -1;
    const auto& outs = it->second[static_cast<size_t>(node)];
    return r.tensor >= 0 && static_cast<size_t>(r.tensor) < outs.size() ? outs[static_cast<size_t>(r.tensor)] : -1;
  }

  int add_graph_input(const LayerSpec& l) {
    const Json* shape = nullptr;
    for (const char* k : {"batch_input_shape", "batch_shape"})
      if (l.config.contains(k) && l.config[k].is_array()) shape = &l.config[k];
    SEGRT_CHECK(shape, InvalidModel, "input layer '", l.name, "' declares no batch_input_shape");
    Shape s;
    for (const auto& d : *shape) s.push_back(d.is_number_integer() ? d.get<int64_t>() : -1);
    std::string dtype = l.config.contains("dtype") && l.config["dtype"].is_string() ? l.config["dtype"].get<std::string>()
                                                                                  : std::string("float32");
    SEGRT_CHECK(dtype.rfind("float", 0) == 0, Unsupported, "input layer '", l.name, "' has dtype ", dtype,
                " (float inputs only)");
    Layout layout = s.size() >= 3 ? (channels_first_ ? Layout::NCHW : Layout::NHWC) : Layout::Plain;
    int id = g_.add_input(g_.unique_name(l.name), DType::f32, s, layout);
    rank_[id] = static_cast<int>(s.size());
    return id;
  }

  std::vector<int> translate_call(const ModelSpec& m, size_t li, size_t call, const std::vector<int>& ins,
                                  WeightStore& w) {
    const LayerSpec& l = m.layers[li];
    const size_t first_node = g_.nodes.size();
    std::vector<int> outs;
    int out_rank = -1;
    try {
      if (is_nested_model(l)) {
        // Real models nest a model or two; a deep chain is a hostile file.
        SEGRT_CHECK(depth_ < kMaxNesting, InvalidModel, "models nested deeper than ", kMaxNesting, " levels");
        Json sub_json = {{"class_name", l.class_name}, {"config", l.config}};
        ModelSpec sub = parse_model(sub_json);
        auto sub_store = w.nested(m, li);
        ++depth_;
        try {
          outs = build(sub, *sub_store, &ins);
        } catch (...) {
          --depth_;
          throw;
        }
        --depth_;
      } else {
        LayerTranslator t = find_layer(l.class_name);
        if (!t) refuse(l);
        LayerContext c{g_, l, version_, ins, {}, w.layer(m, li)};
        for (int v : ins) c.input_ranks.push_back(rank_of(v));
        outs = t(c);
        out_rank = c.out_rank;
      }
    } catch (Error& e) {
      throw e.with_node(l.name, l.class_name);
    }
    // Name each output after the layer; a layer that returned an existing
    // value (an identity) or a nested model gets a node of its own.
    std::string base = call == 0 ? l.name : l.name + "_" + std::to_string(call);
    for (size_t k = 0; k < outs.size(); ++k) {
      std::string name = g_.unique_name(outs.size() == 1 ? base : base + "_" + std::to_string(k));
      int v = outs[k];
      int r = is_nested_model(l) ? rank_of(v) : out_rank >= 0 ? out_rank : rank_of(ins.empty() ? v : ins[0]);
      const int producer = g_.value(v).producer;
      if (is_nested_model(l) || producer < static_cast<int>(first_node)) {
        int id = g_.add_value(name);
        Node& n = g_.add_node(OpType::Identity, name, {v}, {id});
        n.source_name = l.name;
        n.source_op = l.class_name;
        v = id;
      } else {
        g_.value(v).name = name;
      }
      rank_[v] = r;
      outs[k] = v;
    }
    return outs;
  }

  int rank_of(int v) const {
    auto it = rank_.find(v);
    return it == rank_.end() ? -1 : it->second;
  }

  [[noreturn]] static void refuse(const LayerSpec& l) {
    std::string where = l.module.empty() ? "" : " from module '" + l.module + "'";
    if (l.class_name == "Lambda" || l.class_name == "TFOpLambda" || l.class_name == "SlicingOpLambda")
      SEGRT_FAIL(Unsupported, "layer '", l.name, "' is a ", l.class_name,
                 " layer: it holds Python code, which cannot be imported");
    SEGRT_FAIL(Unsupported, "layer '", l.name, "' has class '", l.class_name, "'", where,
               ", which the Keras importer does not support (custom or unsupported layer)");
  }

  static constexpr int kMaxNesting = 16;
  Graph& g_;
  const KerasVersion& version_;
  bool channels_first_;
  std::map<int, int> rank_;
  int depth_ = 0;  // of nested models being built
};

}  // namespace

Graph build_keras_graph(const Json& model_config, const KerasVersion& version, WeightStore& weights) {
  Graph g;
  g.format = "keras";
  g.producer = "keras " + version.text;
  ModelSpec m = parse_model(model_config);
  Builder b(g, version, mentions_channels_first(model_config));
  g.outputs = b.build(m, weights, nullptr);
  g.topo_sort();
  return g;
}

}  // namespace segrt::keras
