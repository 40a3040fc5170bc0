// Model repository scan and the sidecar's serving section.
#include "server/model_repository.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "segrt/segment.h"
#include "segrt/error.h"

namespace segrt::server {

namespace fs = std::filesystem;

namespace {

bool is_model_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".onnx" || ext == ".h5" || ext == ".keras";
}

int int_in(const nlohmann::json& j, const char* key, int lo, int hi, int def, const std::string& what) {
  if (!j.contains(key)) return def;
  SEGRT_CHECK(j[key].is_number_integer(), InvalidInput, what, ": serving.", key, " must be an integer");
  int64_t v = j[key].get<int64_t>();
  SEGRT_CHECK(v >= lo && v <= hi, InvalidInput, what, ": serving.", key, " = ", v, " (allowed ", lo, "..", hi, ")");
  return static_cast<int>(v);
}

}  // namespace

void apply_serving_section(ServingConfig& cfg, const std::string& sidecar_json, const std::string& what) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(sidecar_json);
  } catch (const nlohmann::json::exception& e) {
    SEGRT_FAIL(InvalidInput, what, ": not valid JSON (", e.what(), ")");
  }
  if (!root.is_object() || !root.contains("serving")) return;
  const auto& s = root["serving"];
  SEGRT_CHECK(s.is_object(), InvalidInput, what, ": serving must be an object");
  static const char* known[] = {"max_batch", "batch_delay_us", "instances", "devices", "precision",
                                "backend",   "max_queue",      "timeout_ms", "threads",   "warmup_shape"};
  for (auto it = s.begin(); it != s.end(); ++it)
    SEGRT_CHECK(std::find_if(std::begin(known), std::end(known), [&](const char* k) { return it.key() == k; }) !=
                    std::end(known),
                InvalidInput, what, ": unknown key serving.", it.key());
  cfg.max_batch = int_in(s, "max_batch", 1, 4096, cfg.max_batch, what);
  cfg.batch_delay_us = int_in(s, "batch_delay_us", 0, 10'000'000, cfg.batch_delay_us, what);
  cfg.instances = int_in(s, "instances", 1, 64, cfg.instances, what);
  cfg.max_queue = int_in(s, "max_queue", 1, 1'000'000, cfg.max_queue, what);
  cfg.timeout_ms = int_in(s, "timeout_ms", 1, 3'600'000, cfg.timeout_ms, what);
  cfg.threads = int_in(s, "threads", 0, 1024, cfg.threads, what);
  if (s.contains("warmup_shape")) {
    const auto& d = s["warmup_shape"];
    SEGRT_CHECK(d.is_array(), InvalidInput, what, ": serving.warmup_shape must be an array of dims (without dim 0)");
    cfg.warmup_shape.clear();
    for (const auto& v : d) {
      SEGRT_CHECK(v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() <= 65536, InvalidInput, what,
                  ": serving.warmup_shape holds positive dims");
      cfg.warmup_shape.push_back(v.get<int64_t>());
    }
  }
  if (s.contains("precision")) {
    SEGRT_CHECK(s["precision"].is_string(), InvalidInput, what, ": serving.precision must be a string");
    cfg.precision = s["precision"].get<std::string>();
  }
  if (s.contains("backend")) {
    SEGRT_CHECK(s["backend"].is_string(), InvalidInput, what, ": serving.backend must be a string");
    cfg.backend = s["backend"].get<std::string>();
  }
  if (s.contains("devices")) {
    const auto& d = s["devices"];
    SEGRT_CHECK(d.is_array() && !d.empty(), InvalidInput, what, ": serving.devices must be a non-empty array");
    cfg.devices.clear();
    for (const auto& v : d) {
      SEGRT_CHECK(v.is_number_integer() && v.get<int>() >= 0, InvalidInput, what,
                  ": serving.devices holds device ordinals (0, 1, ...)");
      cfg.devices.push_back(v.get<int>());
    }
  }
}

std::vector<ModelEntry> scan_repository(const std::string& dir, const ServingConfig& defaults) {
  SEGRT_CHECK(fs::is_directory(dir), Io, "model repository '", dir, "' is not a folder");
  std::vector<ModelEntry> models;
  for (const auto& sub : fs::directory_iterator(dir)) {
    if (!sub.is_directory()) continue;
    std::string name = sub.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(sub.path()))
      if (f.is_regular_file() && is_model_file(f.path())) files.push_back(f.path());
    SEGRT_CHECK(files.size() == 1, InvalidInput, "model folder '", sub.path().string(), "' holds ", files.size(),
                " model files (.onnx, .h5, .keras); one is needed");
    ModelEntry e;
    e.name = name;
    e.model_path = files[0].string();
    e.sidecar_path = app::find_sidecar(e.model_path);
    e.serving = defaults;
    if (!e.sidecar_path.empty())
      apply_serving_section(e.serving, app::read_text_file(e.sidecar_path), e.sidecar_path);
    models.push_back(std::move(e));
  }
  std::sort(models.begin(), models.end(), [](const ModelEntry& a, const ModelEntry& b) { return a.name < b.name; });
  return models;
}

}  // namespace segrt::server
