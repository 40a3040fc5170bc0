// segrt's public entry point: load a model (ONNX, Keras), run it.
//
//   segrt::Options opt;
//   opt.backend = "auto";                       // cuda if a GPU is present, else cpu
//   segrt::Engine engine = segrt::Engine::load("unet.onnx", opt);
//   segrt::Tensor x(segrt::DType::f32, {1, 1, 256, 256});
//   std::vector<segrt::Tensor> y = engine.run({x});
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "segrt/error.h"
#include "segrt/tensor.h"

namespace segrt {

struct Options {
  std::string backend = "auto";    // auto | ref | cpu | cuda
  std::string precision = "fp32";  // fp32 | tf32 | fp16 | bf16
  int device = 0;                  // CUDA device ordinal
  int threads = 0;                 // CPU threads, 0 = all cores
  std::string weights;             // separate weights file (Keras JSON + weights)
  bool verbose = false;            // log passes and backend choices to stderr
  // Hostile-input guards (docs/hardening.md). Keras files are parsed by libhdf5,
  // which crashes or loops on some malformed files: by default that parse runs
  // in a child process with CPU and memory limits, and a crash or timeout there
  // is an invalid-model error. false parses in this process: for trusted files.
  bool isolate_import = true;
  size_t max_tensor_bytes = size_t{2} << 30;  // largest tensor a model file may declare
};

struct TensorInfo {
  std::string name;
  DType dtype;
  Shape shape;                     // -1 for dimensions fixed only at run time
  Layout layout;
};

// Called after each observable tensor is computed: the tensor's name, the
// op that produced it (in the source framework's terms), its value (float32).
using TensorObserver = std::function<void(const std::string& name, const std::string& op, const Tensor& value)>;

class Engine {
 public:
  static Engine load(const std::string& model_path, const Options& options = {});
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  ~Engine();

  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;
  // Inputs in the model's order and layout; checked against the model (dtype,
  // rank, fixed dims). The first call for a new input shape specialises the
  // model to it (shape folding, passes, backend compilation); later calls reuse that.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  // Observe every tensor of the next runs; pass nullptr to stop.
  void set_observer(TensorObserver observer);
  std::string backend() const;     // the backend actually used ("cpu" after a fallback)
  std::string device_name() const;

  struct Impl;
  Impl& impl() { return *impl_; }  // for segrt's own tools
 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace segrt
