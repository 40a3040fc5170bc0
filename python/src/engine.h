// segrt.Engine's C++ side: a segrt::Engine plus what Python needs around it:
// the GIL released for loading and running, the observer callback and its
// errors, and device arrays that keep the engine alive.
#pragma once
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "py_common.h"

namespace segrt::py {

class PyEngine;

// A device allocation and the engine that made it: the buffer is freed by
// the engine's backend, so the engine must outlive it.
struct DeviceMemory {
  std::shared_ptr<PyEngine> engine;  // destroyed after buffer (member order)
  DeviceBuffer buffer;
};

// segrt.DeviceArray: an output the engine wrote to device memory, exposed
// through __cuda_array_interface__ and __dlpack__ (torch.as_tensor,
// torch.from_dlpack, cupy.asarray take it without a copy).
struct DeviceArray {
  std::shared_ptr<DeviceMemory> memory;
  DType dtype = DType::f32;
  Shape shape;
  int device = 0;
};

class PyEngine : public std::enable_shared_from_this<PyEngine> {
 public:
  PyEngine(Engine engine, std::string model_path, std::shared_ptr<pyb::object> log_sink);
  ~PyEngine();

  Engine& engine() { return engine_; }
  const std::string& model_path() const { return model_path_; }

  // inputs: a dict by name, a list/tuple in order, or one array (one-input
  // models). outputs: None, or arrays to write into (dict or list).
  pyb::list run(pyb::object inputs, pyb::object outputs, pyb::object stream);
  // Engine::run on segrt tensors (the segmentation pipeline), GIL released by the caller.
  std::vector<Tensor> run_tensors(const std::vector<Tensor>& in);
  void observe(pyb::object callback);

 private:
  std::vector<pyb::object> input_list(pyb::object inputs) const;
  void raise_observer_error();
  struct Slot;  // one of max_runs_, held for a run

  Engine engine_;
  std::string model_path_;
  std::vector<TensorInfo> inputs_, outputs_;
  std::shared_ptr<pyb::object> log_sink_;  // Options::log's Python callable, freed with the GIL
  // Runs hold it shared, observe() exclusively: set_observer must not race with runs.
  std::shared_mutex observer_mu_;
  pyb::object observer_;
  // Options::max_contexts for run(): explicit contexts are not capped by the
  // engine, so runs wait here for a slot (0: no cap).
  int max_runs_ = 0, running_ = 0;
  std::mutex slots_mu_;
  std::condition_variable slots_cv_;
  std::mutex errors_mu_;
  std::map<std::thread::id, pyb::error_already_set> observer_errors_;  // per running thread
};

}  // namespace segrt::py
