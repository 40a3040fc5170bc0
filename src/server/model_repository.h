// The model repository: every subfolder of DIR is a model named by the folder,
// holding one model file (.onnx, .h5, .keras) and optionally its
// MODEL.segrt.json sidecar, whose "serving" section says how to serve it:
//
//   "serving": {"max_batch": 16, "batch_delay_us": 500, "instances": 2,
//               "devices": [0, 1], "precision": "fp16", "backend": "cuda",
//               "max_queue": 256, "timeout_ms": 30000, "warmup_shape": [1, 256, 256]}
//
// Keys left out come from the command line (ServingConfig defaults).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace segrt::server {

struct ServingConfig {
  std::string backend = "auto";   // --backend
  std::string precision = "fp32"; // --precision
  std::vector<int> devices{0};    // CUDA ordinals; one set of instances per device
  int instances = 1;              // engines per device, each serving one batch at a time
  int threads = 0;                // CPU threads per engine (0: cores / engines)
  int max_batch = 1;              // largest merged batch (1: no dynamic batching)
  int batch_delay_us = 0;         // how long the first request of a batch waits for company
  int max_queue = 256;            // queued requests beyond which requests get 503
  int timeout_ms = 60000;         // per-request limit, queue + compute
  // Input shape without dim 0 to run at load, on every engine, at every batch
  // size up to max_batch, so no request pays for a shape's first-run
  // specialisation (empty: no warm-up).
  std::vector<int64_t> warmup_shape;
};

struct ModelEntry {
  std::string name;          // the folder's name
  std::string model_path;    // the model file
  std::string sidecar_path;  // "" when there is none
  ServingConfig serving;     // defaults overridden by the sidecar's serving section
};

// Scans DIR; throws segrt::Error(InvalidInput) naming the folder for a folder
// with no or several model files, or a bad serving section.
std::vector<ModelEntry> scan_repository(const std::string& dir, const ServingConfig& defaults);

// Applies a sidecar's "serving" object (JSON text of the whole sidecar) to cfg.
void apply_serving_section(ServingConfig& cfg, const std::string& sidecar_json, const std::string& what);

}  // namespace segrt::server
