// Parsing a Keras model config (model.to_json() / the model_config attribute /
// config.json) into a ModelSpec: the layer list and the call graph.
#include <cctype>
#include <regex>

#include "import/keras/keras_model.h"

namespace segrt::keras {

KerasVersion KerasVersion::parse(const std::string& s) {
  KerasVersion v;
  v.text = s.empty() ? "unknown" : s;
  if (s.empty()) return v;
  int parts[3] = {0, 0, 0};
  size_t i = 0;
  for (int p = 0; p < 3 && i < s.size(); ++p) {
    int n = 0;
    bool any = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) n = n * 10 + (s[i++] - '0'), any = true;
    if (!any) break;
    parts[p] = n;
    if (i < s.size() && s[i] == '.') ++i;
    else break;
  }
  v.major = parts[0];
  v.minor = parts[1];
  v.patch = parts[2];
  v.tf_keras = s.find("-tf") != std::string::npos;
  return v;
}

bool KerasVersion::bilinear_half_pixel() const {
  if (major >= 3) return true;
  if (major < 2) return false;
  if (tf_keras) return minor >= 3;  // 2.3.0-tf = TF 2.2/2.3; 2.2.4-tf spans TF 1.13 to 2.1: TF1 rule
  return minor >= 4;                // 2.4+ is tf.keras of TF 2.4+; standalone Keras stopped at 2.3.1
}

std::string snake_case(const std::string& class_name) {
  std::string s;
  for (char c : class_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') s += c;
  s = std::regex_replace(s, std::regex("(.)([A-Z][a-z]+)"), "$1_$2");
  s = std::regex_replace(s, std::regex("([a-z])([A-Z])"), "$1_$2");
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

namespace {

std::string layer_name(const Json& l) {
  if (l.contains("config") && l["config"].is_object() && l["config"].contains("name") &&
      l["config"]["name"].is_string())
    return l["config"]["name"].get<std::string>();
  if (l.contains("name") && l["name"].is_string()) return l["name"].get<std::string>();
  SEGRT_FAIL(InvalidModel, "a layer of class ", l.value("class_name", std::string("?")), " has no name");
}

TensorRef ref_from_array(const Json& a, const std::string& what) {
  SEGRT_CHECK(a.is_array() && a.size() >= 1 && a[0].is_string(), InvalidModel, "malformed tensor reference in ",
              what, ": ", a.dump());
  TensorRef r;
  r.layer = a[0].get<std::string>();
  if (a.size() > 1 && a[1].is_number_integer()) r.node = a[1].get<int>();
  if (a.size() > 2 && a[2].is_number_integer()) r.tensor = a[2].get<int>();
  return r;
}

// Keras 3 call arguments: tensors are {"class_name": "__keras_tensor__",
// "config": {"keras_history": [layer, node, tensor]}}, possibly inside lists.
void collect_keras3_tensors(const Json& j, std::vector<TensorRef>& out, const std::string& what) {
  if (j.is_object()) {
    if (j.value("class_name", std::string()) == "__keras_tensor__") {
      SEGRT_CHECK(j.contains("config") && j["config"].contains("keras_history"), InvalidModel,
                  "keras tensor without keras_history in ", what);
      out.push_back(ref_from_array(j["config"]["keras_history"], what));
    }
    return;
  }
  if (j.is_array())
    for (const auto& e : j) collect_keras3_tensors(e, out, what);
}

std::vector<std::vector<TensorRef>> parse_inbound(const Json& nodes, const std::string& layer) {
  std::vector<std::vector<TensorRef>> calls;
  if (!nodes.is_array()) return calls;
  std::string what = "the inbound nodes of layer '" + layer + "'";
  for (const auto& call : nodes) {
    std::vector<TensorRef> ins;
    if (call.is_object()) {  // Keras 3
      if (call.contains("args")) collect_keras3_tensors(call["args"], ins, what);
    } else if (call.is_array()) {  // Keras 2: [[layer, node, tensor, kwargs], ...]
      for (const auto& r : call) ins.push_back(ref_from_array(r, what));
    } else {
      SEGRT_FAIL(InvalidModel, "malformed entry in ", what, ": ", call.dump());
    }
    calls.push_back(std::move(ins));
  }
  return calls;
}

std::vector<TensorRef> parse_io_list(const Json& j, const std::string& what) {
  std::vector<TensorRef> out;
  SEGRT_CHECK(j.is_array(), InvalidModel, "model config: ", what, " is not a list");
  if (!j.empty() && j[0].is_string()) {  // Keras 3 writes a single tensor without the outer list
    out.push_back(ref_from_array(j, what));
    return out;
  }
  for (const auto& r : j) out.push_back(ref_from_array(r, what));
  return out;
}

LayerSpec layer_from_json(const Json& l) {
  SEGRT_CHECK(l.is_object() && l.contains("class_name") && l["class_name"].is_string(), InvalidModel,
              "model config: a layer entry has no class_name: ", l.dump().substr(0, 200));
  LayerSpec s;
  s.class_name = l["class_name"].get<std::string>();
  s.name = layer_name(l);
  if (l.contains("module") && l["module"].is_string()) s.module = l["module"].get<std::string>();
  // A nested old-style Sequential keeps its bare-list config.
  s.config = l.contains("config") && (l["config"].is_object() || l["config"].is_array()) ? l["config"] : Json::object();
  return s;
}

// The batch input shape a Sequential model declares on its first layer.
Json sequential_input_shape(const Json& cfg, const LayerSpec& first, const Json& first_json) {
  for (const char* k : {"batch_input_shape", "batch_shape"})
    if (first.config.contains(k)) return first.config[k];
  if (cfg.is_object() && cfg.contains("build_input_shape")) return cfg["build_input_shape"];
  if (first_json.contains("build_config") && first_json["build_config"].contains("input_shape"))
    return first_json["build_config"]["input_shape"];
  SEGRT_FAIL(InvalidModel, "Sequential model: the first layer '", first.name,
             "' declares no input shape (batch_input_shape), so the model cannot be built");
}

ModelSpec parse_sequential(const std::string& name, const Json& cfg) {
  const Json& layers = cfg.is_array() ? cfg : cfg.value("layers", Json::array());
  SEGRT_CHECK(layers.is_array() && !layers.empty(), InvalidModel, "Sequential model '", name, "' has no layers");
  ModelSpec m;
  m.name = name;
  m.class_name = "Sequential";
  std::string prev;
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerSpec l = layer_from_json(layers[i]);
    if (i == 0 && l.class_name != "InputLayer") {
      LayerSpec in;
      in.class_name = "InputLayer";
      in.name = l.name + "_input";  // Keras 2 names the implicit input this way
      in.config = Json::object();
      in.config["batch_input_shape"] = sequential_input_shape(cfg, l, layers[i]);
      in.config["name"] = in.name;
      if (l.config.contains("dtype") && l.config["dtype"].is_string()) in.config["dtype"] = l.config["dtype"];
      m.inputs.push_back({in.name, 0, 0});
      prev = in.name;
      m.layers.push_back(std::move(in));
    }
    if (l.class_name == "InputLayer") {
      SEGRT_CHECK(i == 0, InvalidModel, "Sequential model '", name, "': InputLayer '", l.name,
                  "' is not the first layer");
      m.inputs.push_back({l.name, 0, 0});
    } else {
      l.calls.push_back({TensorRef{prev, 0, 0}});
    }
    prev = l.name;
    m.layers.push_back(std::move(l));
  }
  m.outputs.push_back({prev, 0, 0});
  return m;
}

ModelSpec parse_functional(const std::string& name, const std::string& cls, const Json& cfg) {
  SEGRT_CHECK(cfg.is_object() && cfg.contains("layers") && cfg["layers"].is_array(), InvalidModel, cls, " model '",
              name, "' has no layer list");
  ModelSpec m;
  m.name = name;
  m.class_name = cls;
  for (const auto& lj : cfg["layers"]) {
    LayerSpec l = layer_from_json(lj);
    if (lj.contains("name") && lj["name"].is_string()) l.name = lj["name"].get<std::string>();
    if (lj.contains("inbound_nodes")) l.calls = parse_inbound(lj["inbound_nodes"], l.name);
    m.layers.push_back(std::move(l));
  }
  SEGRT_CHECK(cfg.contains("input_layers") && cfg.contains("output_layers"), InvalidModel, cls, " model '", name,
              "' has no input_layers / output_layers");
  m.inputs = parse_io_list(cfg["input_layers"], "input_layers");
  m.outputs = parse_io_list(cfg["output_layers"], "output_layers");
  SEGRT_CHECK(!m.inputs.empty() && !m.outputs.empty(), InvalidModel, cls, " model '", name,
              "' has no inputs or no outputs");
  return m;
}

}  // namespace

bool is_nested_model(const LayerSpec& l) {
  return (l.class_name == "Sequential" || l.class_name == "Functional" || l.class_name == "Model") &&
         (l.config.is_array() || l.config.contains("layers"));
}

ModelSpec parse_model(const Json& model) {
  SEGRT_CHECK(model.is_object() && model.contains("class_name") && model.contains("config"), InvalidModel,
              "the model config is not a Keras model object (class_name + config)");
  std::string cls = model["class_name"].get<std::string>();
  const Json& cfg = model["config"];
  std::string name = cfg.is_object() ? cfg.value("name", std::string("model")) : std::string("sequential");
  if (cls == "Sequential") return parse_sequential(name, cfg);
  if (cls == "Functional" || cls == "Model") return parse_functional(name, cls, cfg);
  SEGRT_FAIL(Unsupported, "model class '", cls, "' (only Sequential, Functional and Model configs are supported)");
}

}  // namespace segrt::keras
