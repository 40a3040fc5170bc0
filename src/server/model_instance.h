// ModelInstance: one served model. It owns one segrt::Engine per execution
// instance (instances x devices), each driven by its own worker thread, so an
// Engine is only ever used by one thread at a time; requests wait in one queue
// and a free worker takes the oldest, merging queued requests of the same
// shape (apart from dim 0) up to max_batch within batch_delay_us (Triton's
// dynamic batcher). This is the one file that changes when the library offers
// shared execution contexts: the engines_ below become one Engine + N contexts.
//
//   ModelInstance m(entry, &metrics, {});
//   std::vector<Tensor> y = m.infer(order_inputs(m.inputs(), given), deadline);
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "segrt/engine.h"
#include "server/metrics.h"
#include "server/model_repository.h"

namespace segrt::server {

using Clock = std::chrono::steady_clock;

class ModelInstance {
 public:
  // Loads the engines (throws segrt::Error); `prepare` sees the first engine
  // before any worker starts (e.g. to describe the model for the segmentation route).
  ModelInstance(const ModelEntry& entry, Metrics* metrics, const std::function<void(Engine&)>& prepare);
  ~ModelInstance();
  ModelInstance(const ModelInstance&) = delete;
  ModelInstance& operator=(const ModelInstance&) = delete;

  const ModelEntry& entry() const { return entry_; }
  const std::string& name() const { return entry_.name; }
  const std::vector<TensorInfo>& inputs() const { return inputs_; }
  const std::vector<TensorInfo>& outputs() const { return outputs_; }
  std::string platform() const;  // "onnx" or "keras"
  std::string backend() const { return backend_; }
  bool batchable() const { return batchable_; }

  // Runs checked inputs (model order), waiting at most until `deadline`.
  // ServeError: Unavailable when the queue is full or the model stopping,
  // Timeout past the deadline, BadRequest / Internal for engine errors.
  std::vector<Tensor> infer(std::vector<Tensor> inputs, Clock::time_point deadline);
  // Stops taking requests, finishes the queued ones, joins the workers.
  void stop();

 private:
  struct Job {
    std::vector<Tensor> inputs;
    int64_t items = 1;  // dim 0 of the inputs when batchable
    Clock::time_point enqueued, deadline;
    std::promise<std::vector<Tensor>> done;
  };
  void warm_up();
  void worker(size_t index);
  bool compatible(const Job& a, const Job& b) const;
  std::vector<std::unique_ptr<Job>> take_batch(std::unique_lock<std::mutex>& lk);
  void run_batch(Engine& engine, std::vector<std::unique_ptr<Job>>& jobs);

  ModelEntry entry_;
  Metrics* metrics_;
  std::vector<TensorInfo> inputs_, outputs_;
  std::string backend_;
  bool batchable_ = false;  // dim 0 is variable: requests may be merged
  std::vector<Engine> engines_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
};

}  // namespace segrt::server
