// The Keras importer's entry: recognises the three ways Keras models are
// stored and hands the config + weights to the graph builder.
//   .h5 / .hdf5  legacy full model: root attribute model_config, weights in
//                model_weights/ (Keras 2.0 to 2.15, tf.keras)
//   .keras       Keras 3 zip: config.json, metadata.json, model.weights.h5
//   .json        model.to_json() architecture; weights from
//                ImportOptions::weights_path (save_weights() file, either layout)
#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/file.h"
#include "import/importer.h"
#include "import/keras/keras_builder.h"
#include "import/keras/keras_hdf5.h"
#include "import/keras/keras_model.h"

namespace segrt::keras {

namespace {

std::string lower_ext(const std::string& path) {
  size_t dot = path.rfind('.');
  size_t slash = path.find_last_of("/\\");
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string e = path.substr(dot);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return e;
}

std::string first_bytes(const std::string& path, size_t n) {
  std::ifstream f(path, std::ios::binary);
  std::string s(n, '\0');
  f.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<size_t>(f.gcount()));
  return s;
}

bool probe_keras(const std::string& path) {
  std::string e = lower_ext(path);
  if (e == ".h5" || e == ".hdf5" || e == ".keras") return true;
  if (e == ".json") return true;
  return first_bytes(path, 8) == std::string("\x89HDF\r\n\x1a\n", 8);
}

// Keras configs nest a few dozen levels (nested models included); a file
// nesting deeper is hostile, and the recursive walks over the config must not
// run out of stack on it.
constexpr int kMaxJsonDepth = 256;

Json parse_json(const std::string& text, const std::string& what) {
  try {
    return Json::parse(text, [&](int depth, Json::parse_event_t, Json&) {
      SEGRT_CHECK(depth <= kMaxJsonDepth, InvalidModel, what, " nests deeper than ", kMaxJsonDepth, " levels");
      return true;
    });
  } catch (const Json::exception& ex) {
    SEGRT_FAIL(InvalidModel, what, " is not valid JSON (", ex.what(), ")");
  }
}

// Keras 3 configs carry "module" entries; Keras 2 ones do not.
bool looks_keras3(const Json& model) { return model.is_object() && model.contains("module"); }

// The members of a .keras zip we need, read with libzip.
class ZipReader {
 public:
  explicit ZipReader(const std::string& path) : path_(path) {
    std::error_code ec;
    archive_bytes_ = std::filesystem::file_size(path, ec);
    int err = 0;
    z_ = zip_open(path.c_str(), ZIP_RDONLY, &err);
    if (!z_) {
      zip_error_t ze;
      zip_error_init_with_code(&ze, err);
      std::string msg = zip_error_strerror(&ze);
      zip_error_fini(&ze);
      SEGRT_FAIL(InvalidModel, "'", path, "' is not a readable .keras (zip) archive: ", msg);
    }
  }
  ~ZipReader() {
    if (z_) zip_discard(z_);
  }
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  bool has(const std::string& name) { return zip_name_locate(z_, name.c_str(), 0) >= 0; }

  // `limit`: the most bytes the member may claim (JSON members are small).
  std::string read(const std::string& name, zip_uint64_t limit = kMaxMember) {
    zip_int64_t idx = zip_name_locate(z_, name.c_str(), 0);
    SEGRT_CHECK(idx >= 0, InvalidModel, "'", path_, "' has no ", name, " (not a Keras 3 .keras file?)");
    zip_stat_t st;
    zip_stat_init(&st);
    SEGRT_CHECK(zip_stat_index(z_, static_cast<zip_uint64_t>(idx), 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE),
                InvalidModel, "'", path_, "': cannot read the size of ", name);
    // Deflate cannot expand more than 1032:1: a larger claim is a lie (or a bomb).
    // (A stored member's 1:1 passes the same test; its compressed size must fit in the archive.)
    SEGRT_CHECK(st.size <= limit && (st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size <= archive_bytes_ &&
                    st.size <= 1032 * st.comp_size + 4096,
                InvalidModel, "'", path_, "': ", name, " claims ", st.size, " bytes uncompressed (",
                st.comp_size, " compressed): impossibly large");
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(z_, static_cast<zip_uint64_t>(idx), 0),
                                                        zip_fclose);
    SEGRT_CHECK(f != nullptr, InvalidModel, "'", path_, "': cannot open ", name, ": ", zip_strerror(z_));
    std::string data(static_cast<size_t>(st.size), '\0');
    zip_int64_t got = data.empty() ? 0 : zip_fread(f.get(), data.data(), st.size);
    SEGRT_CHECK(got == static_cast<zip_int64_t>(st.size), InvalidModel, "'", path_, "': ", name,
                " is truncated or corrupt (", zip_file_strerror(f.get()), ")");
    // Reading past the declared size makes libzip check the CRC and notice a member longer than declared.
    char extra;
    SEGRT_CHECK(zip_fread(f.get(), &extra, 1) == 0, InvalidModel, "'", path_, "': ", name,
                " holds more or other data than its directory entry declares (",
                zip_file_strerror(f.get()), ")");
    return data;
  }

 public:
  static constexpr zip_uint64_t kMaxMember = zip_uint64_t{4} << 30;
  static constexpr zip_uint64_t kMaxJson = zip_uint64_t{64} << 20;

 private:
  zip_uint64_t archive_bytes_ = 0;
  std::string path_;
  zip_t* z_ = nullptr;
};

std::shared_ptr<H5File> open_h5(const std::string& path, const ImportOptions& opts) {
  auto file = std::make_shared<H5File>(H5File::open(path));
  file->max_tensor_bytes = opts.max_tensor_bytes;
  return file;
}

std::unique_ptr<WeightStore> open_weights(const std::string& path, const ImportOptions& opts) {
  auto file = open_h5(path, opts);
  return make_weight_store(file, true);
}

std::string version_attr(const H5File& f) {
  return has_attr(f.id(), "keras_version") ? read_string_attr(f.id(), "keras_version") : "";
}

Graph import_keras_zip(const std::string& path, const ImportOptions& opts) {
  ZipReader zip(path);
  Json config = parse_json(zip.read("config.json", ZipReader::kMaxJson), "config.json in '" + path + "'");
  std::string version = "3";
  if (zip.has("metadata.json")) {
    Json meta = parse_json(zip.read("metadata.json", ZipReader::kMaxJson), "metadata.json in '" + path + "'");
    version = meta.value("keras_version", version);
  }
  std::unique_ptr<WeightStore> store;
  if (!opts.weights_path.empty()) {
    store = open_weights(opts.weights_path, opts);
  } else {
    auto file = std::make_shared<H5File>(H5File::open_image(zip.read("model.weights.h5"),
                                                             "model.weights.h5 in '" + path + "'"));
    file->max_tensor_bytes = opts.max_tensor_bytes;
    store = make_weight_store(file, false);
  }
  return build_keras_graph(config, KerasVersion::parse(version), *store);
}

Graph import_keras_json(const std::string& path, const ImportOptions& opts) {
  Json config = parse_json(read_file_bytes(path), "'" + path + "'");
  SEGRT_CHECK(!opts.weights_path.empty(), InvalidInput, "'", path,
              "' is a Keras architecture (JSON) without weights: pass the weights file with --weights");
  auto file = open_h5(opts.weights_path, opts);
  std::string version = config.value("keras_version", std::string());
  if (version.empty()) version = version_attr(*file);
  if (version.empty() && looks_keras3(config)) version = "3";
  auto store = make_weight_store(file, true);
  return build_keras_graph(config, KerasVersion::parse(version), *store);
}

Graph import_keras_h5(const std::string& path, const ImportOptions& opts) {
  auto file = open_h5(path, opts);
  if (!has_attr(file->id(), "model_config")) {
    bool weights_only = has_attr(file->id(), "layer_names") || is_group(file->id(), "layers");
    SEGRT_CHECK(!weights_only, InvalidInput, "'", path,
                "' holds only weights (saved with save_weights()): load the model's architecture JSON and pass "
                "this file with --weights");
    SEGRT_FAIL(InvalidModel, "'", path, "' is an HDF5 file without a Keras model_config attribute");
  }
  Json config = parse_json(read_string_attr(file->id(), "model_config"), "the model_config of '" + path + "'");
  std::string version = version_attr(*file);
  if (version.empty() && looks_keras3(config)) version = "3";
  auto store = opts.weights_path.empty() ? make_weight_store(file, true) : open_weights(opts.weights_path, opts);
  return build_keras_graph(config, KerasVersion::parse(version), *store);
}

Graph import_keras(const std::string& path, const ImportOptions& opts) {
  std::string e = lower_ext(path);
  try {
    if (e == ".keras" || first_bytes(path, 4) == "PK\x03\x04") return import_keras_zip(path, opts);
    if (e == ".json") return import_keras_json(path, opts);
    return import_keras_h5(path, opts);
  } catch (const Json::exception& ex) {
    // A config entry of an unexpected JSON type (a string where a number belongs, ...).
    SEGRT_FAIL(InvalidModel, "malformed Keras model config (", ex.what(), ")");
  }
}

// libhdf5 (1.10 in Debian 12) crashes and loops on some malformed files
// (../shared/fuzz-findings): every Keras form reads HDF5, so all parse in a child.
const bool registered =
    register_importer("Keras (.h5, .hdf5, .keras, .json + --weights)", probe_keras, import_keras, true);

}  // namespace

}  // namespace segrt::keras
