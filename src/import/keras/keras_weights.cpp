// Weight stores for the two HDF5 weight layouts Keras has used.
//  * Legacy (Keras 2 / tf.keras, .h5 full models and save_weights files):
//    <root>/<layer>/ with attribute weight_names = ["conv2d/kernel:0", ...],
//    each a dataset path relative to the layer group. A nested model's group
//    holds the weights of all its inner layers, named "<inner layer>/<var>:0".
//  * Keras 3 (model.weights.h5 in .keras zips, .weights.h5):
//    layers/<snake_case class name with counter>/vars/<i>, the vars group
//    carrying the layer's name as attribute "name" in recent versions.
#include <algorithm>
#include <map>

#include "import/keras/keras_hdf5.h"
#include "import/keras/keras_model.h"

namespace segrt::keras {

namespace {

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= p.size()) {
    size_t next = p.find('/', pos);
    if (next == std::string::npos) next = p.size();
    if (next > pos) parts.push_back(p.substr(pos, next - pos));
    pos = next + 1;
  }
  return parts;
}

// "batch_normalization_1/moving_mean:0" -> "moving_mean"
std::string short_weight_name(const std::string& full) {
  auto parts = split_path(full);
  std::string s = parts.empty() ? full : parts.back();
  size_t colon = s.rfind(':');
  return colon == std::string::npos ? s : s.substr(0, colon);
}

std::string group_name(hid_t g) {
  char buf[512] = {0};
  return H5Iget_name(g, buf, sizeof buf) > 0 ? std::string(buf) : std::string("?");
}

LayerWeights read_named(hid_t group, const std::vector<std::string>& names, size_t max_bytes) {
  LayerWeights w;
  w.where = group_name(group);
  for (const auto& n : names) {
    w.names.push_back(short_weight_name(n));
    w.values.push_back(read_dataset(group, n, max_bytes));
  }
  return w;
}

class NestedLegacyStore : public WeightStore {
 public:
  NestedLegacyStore(std::shared_ptr<H5File> f, std::string path, std::vector<std::string> names)
      : file_(std::move(f)), path_(std::move(path)), names_(std::move(names)) {}

  LayerWeights layer(const ModelSpec& m, size_t index) override {
    const std::string& lname = m.layers[index].name;
    std::vector<std::string> mine;
    for (const auto& n : names_) {
      auto parts = split_path(n);
      for (size_t i = 0; i + 1 < parts.size(); ++i)
        if (parts[i] == lname) {
          mine.push_back(n);
          break;
        }
    }
    H5Handle g = open_group(file_->id(), path_);
    LayerWeights w = read_named(g.id(), mine, file_->max_tensor_bytes);
    w.where += " (weights of '" + lname + "')";
    return w;
  }
  // TF2 names variables after their innermost layer only: deeper models share the group.
  std::unique_ptr<WeightStore> nested(const ModelSpec&, size_t) override {
    return std::make_unique<NestedLegacyStore>(file_, path_, names_);
  }

 private:
  std::shared_ptr<H5File> file_;
  std::string path_;
  std::vector<std::string> names_;
};

class LegacyStore : public WeightStore {
 public:
  LegacyStore(std::shared_ptr<H5File> f, std::string root) : file_(std::move(f)), root_(std::move(root)) {}

  LayerWeights layer(const ModelSpec& m, size_t index) override {
    std::string path = root_ + m.layers[index].name;
    if (!is_group(file_->id(), path)) return {};
    H5Handle g = open_group(file_->id(), path);
    std::vector<std::string> names;
    if (has_attr(g.id(), "weight_names") || has_attr(g.id(), "weight_names0"))
      names = read_string_list_attr(g.id(), "weight_names");
    return read_named(g.id(), names, file_->max_tensor_bytes);
  }
  std::unique_ptr<WeightStore> nested(const ModelSpec& m, size_t index) override {
    std::string path = root_ + m.layers[index].name;
    std::vector<std::string> names;
    if (is_group(file_->id(), path)) {
      H5Handle g = open_group(file_->id(), path);
      if (has_attr(g.id(), "weight_names") || has_attr(g.id(), "weight_names0"))
        names = read_string_list_attr(g.id(), "weight_names");
    }
    return std::make_unique<NestedLegacyStore>(file_, path, std::move(names));
  }

 private:
  std::shared_ptr<H5File> file_;
  std::string root_;  // "model_weights/" or "" (save_weights file)
};

class Keras3Store : public WeightStore {
 public:
  Keras3Store(std::shared_ptr<H5File> f, std::string base) : file_(std::move(f)), base_(std::move(base)) {}

  LayerWeights layer(const ModelSpec& m, size_t index) override {
    std::string key = find_key(m, index);
    if (key.empty()) return {};
    std::string vars = layers_path() + "/" + key + "/vars";
    if (!is_group(file_->id(), vars)) return {};
    H5Handle g = open_group(file_->id(), vars);
    // vars/0, vars/1, ... in numeric (not HDF5 name) order.
    std::vector<std::string> names = child_names(g.id());
    std::vector<std::pair<int, std::string>> numbered;
    for (const auto& n : names) {
      SEGRT_CHECK(!n.empty() && std::all_of(n.begin(), n.end(), ::isdigit), InvalidModel,
                  "unexpected weight '", n, "' in ", vars);
      numbered.emplace_back(std::stoi(n), n);
    }
    std::sort(numbered.begin(), numbered.end());
    LayerWeights w;
    w.where = "/" + vars;
    for (const auto& [i, n] : numbered) w.values.push_back(read_dataset(g.id(), n, file_->max_tensor_bytes));
    return w;
  }
  std::unique_ptr<WeightStore> nested(const ModelSpec& m, size_t index) override {
    std::string key = find_key(m, index);
    SEGRT_CHECK(!key.empty(), InvalidModel, "no weights for nested model '", m.layers[index].name, "' under /",
                layers_path());
    return std::make_unique<Keras3Store>(file_, layers_path() + "/" + key);
  }

 private:
  std::string layers_path() const { return base_.empty() ? "layers" : base_ + "/layers"; }

  // The group of layer `index`: by the vars' "name" attribute when present,
  // else by Keras 3's naming (snake_case class name, _1, _2... per repeat).
  std::string find_key(const ModelSpec& m, size_t index) {
    const std::string lp = layers_path();
    if (!is_group(file_->id(), lp)) return "";
    H5Handle layers = open_group(file_->id(), lp);
    for (const auto& c : child_names(layers.id())) {
      std::string vars = c + "/vars";
      if (!is_group(layers.id(), vars)) continue;
      H5Handle v = open_group(layers.id(), vars);
      if (has_attr(v.id(), "name") && read_string_attr(v.id(), "name") == m.layers[index].name) return c;
    }
    std::map<std::string, int> used;
    std::string key;
    bool sequential = m.class_name == "Sequential";
    for (size_t i = 0; i <= index; ++i) {
      const LayerSpec& l = m.layers[i];
      if (sequential && l.class_name == "InputLayer") continue;  // not in Sequential.layers
      std::string k = snake_case(l.class_name);
      auto it = used.find(k);
      if (it == used.end()) used[k] = 0;
      else k += "_" + std::to_string(++it->second);
      key = k;
    }
    return is_group(layers.id(), key) ? key : "";
  }

  std::shared_ptr<H5File> file_;
  std::string base_;
};

}  // namespace

std::unique_ptr<WeightStore> make_weight_store(std::shared_ptr<H5File> file, bool full_model_file) {
  hid_t root = file->id();
  if (full_model_file && is_group(root, "model_weights"))
    return std::make_unique<LegacyStore>(file, "model_weights/");
  if (has_attr(root, "layer_names") || has_attr(root, "layer_names0")) return std::make_unique<LegacyStore>(file, "");
  if (is_group(root, "layers") || is_group(root, "vars")) return std::make_unique<Keras3Store>(file, "");
  SEGRT_FAIL(InvalidModel,
             "the HDF5 file holds no Keras weights (no model_weights group, no layer_names attribute, no layers group)");
}

}  // namespace segrt::keras
