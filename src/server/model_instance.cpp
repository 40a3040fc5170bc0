// ModelInstance: engines, worker threads and the dynamic batcher.
#include "server/model_instance.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace segrt::server {

namespace {

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

Status status_of(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::InvalidInput:
    case ErrorKind::Unsupported: return Status::BadRequest;
    case ErrorKind::OutOfMemory: return Status::Unavailable;
    default: return Status::Internal;
  }
}

// Tensors of equal shape apart from dim 0, stacked along dim 0.
Tensor stack(const std::vector<const Tensor*>& parts, int64_t total) {
  Shape s = parts[0]->shape();
  s[0] = total;
  Tensor out(parts[0]->dtype(), s, parts[0]->layout());
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (const Tensor* p : parts) {
    std::memcpy(dst, p->raw(), p->nbytes());
    dst += p->nbytes();
  }
  return out;
}

// Rows [begin, begin + count) of x along dim 0, as a tensor of its own.
Tensor rows(const Tensor& x, int64_t begin, int64_t count) {
  Shape s = x.shape();
  size_t row_bytes = x.nbytes() / static_cast<size_t>(s[0]);
  s[0] = count;
  Tensor out(x.dtype(), s, x.layout());
  std::memcpy(out.raw(), static_cast<const uint8_t*>(x.raw()) + row_bytes * begin, row_bytes * count);
  return out;
}

}  // namespace

ModelInstance::ModelInstance(const ModelEntry& entry, Metrics* metrics, const std::function<void(Engine&)>& prepare)
    : entry_(entry), metrics_(metrics) {
  const ServingConfig& sc = entry.serving;
  size_t count = sc.devices.size() * static_cast<size_t>(sc.instances);
  for (int device : sc.devices)
    for (int i = 0; i < sc.instances; ++i) {
      Options o;
      o.backend = sc.backend;
      o.precision = sc.precision;
      o.device = device;
      o.threads = sc.threads;
      // CPU engines side by side share the cores rather than each taking all of them.
      if (o.threads == 0 && count > 1)
        o.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency() / count));
      engines_.push_back(Engine::load(entry.model_path, o));
    }
  inputs_ = engines_[0].inputs();
  outputs_ = engines_[0].outputs();
  backend_ = engines_[0].backend();
  // Batching needs a variable dim 0 on every input and on every output whose
  // shape the model declares (undeclared ones are checked on each merged run).
  batchable_ = true;
  for (const auto& t : inputs_) batchable_ = batchable_ && !t.shape.empty() && t.shape[0] < 0;
  for (const auto& t : outputs_) batchable_ = batchable_ && (t.shape.empty() || t.shape[0] < 0);
  if (!sc.warmup_shape.empty()) warm_up();
  if (prepare) prepare(engines_[0]);
  for (size_t i = 0; i < engines_.size(); ++i) workers_.emplace_back([this, i] { worker(i); });
}

ModelInstance::~ModelInstance() { stop(); }

void ModelInstance::warm_up() {
  SEGRT_CHECK(inputs_.size() == 1, InvalidInput, entry_.sidecar_path, ": serving.warmup_shape needs a model with one input (",
              entry_.name, " has ", inputs_.size(), ")");
  const ServingConfig& sc = entry_.serving;
  int top = batchable_ ? std::max(1, sc.max_batch) : 1;
  for (Engine& e : engines_)
    for (int b = 1; b <= top; ++b) {
      Shape s{batchable_ ? b : std::max<int64_t>(1, inputs_[0].shape[0])};
      s.insert(s.end(), sc.warmup_shape.begin(), sc.warmup_shape.end());
      e.run({Tensor(inputs_[0].dtype, s, inputs_[0].layout)});
    }
}

std::string ModelInstance::platform() const {
  std::string ext = std::filesystem::path(entry_.model_path).extension().string();
  return ext == ".onnx" ? "onnx" : "keras";
}

std::vector<Tensor> ModelInstance::infer(std::vector<Tensor> inputs, Clock::time_point deadline) {
  auto job = std::make_unique<Job>();
  job->items = batchable_ && !inputs.empty() && inputs[0].rank() > 0 ? inputs[0].dim(0) : 1;
  job->inputs = std::move(inputs);
  job->enqueued = Clock::now();
  job->deadline = deadline;
  std::future<std::vector<Tensor>> result = job->done.get_future();
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stopping_) throw ServeError(Status::Unavailable, "model '" + name() + "' is shutting down");
    if (queue_.size() >= static_cast<size_t>(entry_.serving.max_queue))
      throw ServeError(Status::Unavailable, "model '" + name() + "': queue full (" +
                                                std::to_string(entry_.serving.max_queue) + " requests waiting)");
    queue_.push_back(std::move(job));
    ++metrics_->queued;
  }
  cv_.notify_all();
  if (result.wait_until(deadline) != std::future_status::ready)
    throw ServeError(Status::Timeout, "model '" + name() + "': no answer within " +
                                          std::to_string(entry_.serving.timeout_ms) + " ms");
  return result.get();  // rethrows the worker's ServeError
}

bool ModelInstance::compatible(const Job& a, const Job& b) const {
  if (a.inputs.size() != b.inputs.size()) return false;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const Shape &x = a.inputs[i].shape(), &y = b.inputs[i].shape();
    if (x.size() != y.size() || !std::equal(x.begin() + 1, x.end(), y.begin() + 1)) return false;
  }
  return true;
}

// The oldest job plus, when the model batches, queued jobs of its shape up to
// max_batch items, waiting up to batch_delay_us from the first job's arrival.
std::vector<std::unique_ptr<ModelInstance::Job>> ModelInstance::take_batch(std::unique_lock<std::mutex>& lk) {
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(std::move(queue_.front()));
  queue_.pop_front();
  const int64_t max_items = entry_.serving.max_batch;
  int64_t items = jobs[0]->items;
  if (!batchable_ || max_items <= 1) return jobs;
  Clock::time_point until = jobs[0]->enqueued + std::chrono::microseconds(entry_.serving.batch_delay_us);
  for (;;) {
    for (auto it = queue_.begin(); it != queue_.end() && items < max_items;) {
      if (items + (*it)->items <= max_items && compatible(*jobs[0], **it)) {
        items += (*it)->items;
        jobs.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    if (items >= max_items || stopping_ || Clock::now() >= until) break;
    cv_.wait_until(lk, until);
  }
  return jobs;
}

void ModelInstance::worker(size_t index) {
  Engine& engine = engines_[index];
  for (;;) {
    std::vector<std::unique_ptr<Job>> jobs;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to finish
      jobs = take_batch(lk);
      metrics_->queued -= static_cast<int64_t>(jobs.size());
    }
    // Another worker may now find company for its own batch.
    cv_.notify_all();
    run_batch(engine, jobs);
  }
}

void ModelInstance::run_batch(Engine& engine, std::vector<std::unique_ptr<Job>>& jobs) {
  Clock::time_point start = Clock::now();
  // Requests whose client has given up are not run.
  std::vector<std::unique_ptr<Job>> live;
  for (auto& j : jobs) {
    if (start >= j->deadline)
      j->done.set_exception(std::make_exception_ptr(ServeError(Status::Timeout, "timed out in the queue")));
    else
      live.push_back(std::move(j));
  }
  if (live.empty()) return;
  std::vector<double> waits;
  int64_t total = 0;
  for (const auto& j : live) {
    waits.push_back(seconds_between(j->enqueued, start));
    total += j->items;
  }
  try {
    std::vector<Tensor> in;
    if (live.size() == 1) {
      in = live[0]->inputs;
    } else {
      for (size_t i = 0; i < live[0]->inputs.size(); ++i) {
        std::vector<const Tensor*> parts;
        for (const auto& j : live) parts.push_back(&j->inputs[i]);
        in.push_back(stack(parts, total));
      }
    }
    std::vector<Tensor> out = engine.run(in);
    double compute = seconds_between(start, Clock::now());
    metrics_->batch(name(), static_cast<int>(live.size()), total, waits, compute);
    if (live.size() == 1) {
      live[0]->done.set_value(std::move(out));
      return;
    }
    for (const Tensor& t : out)
      if (t.rank() == 0 || t.dim(0) != total)
        throw ServeError(Status::Internal, "output of shape " + shape_str(t.shape()) + " does not follow the batch");
    // Split everything first: once a promise is kept, an exception must not reach it.
    std::vector<std::vector<Tensor>> parts(live.size());
    int64_t row = 0;
    for (size_t k = 0; k < live.size(); ++k) {
      for (const Tensor& t : out) parts[k].push_back(rows(t, row, live[k]->items));
      row += live[k]->items;
    }
    for (size_t k = 0; k < live.size(); ++k) live[k]->done.set_value(std::move(parts[k]));
  } catch (const Error& e) {
    auto err = std::make_exception_ptr(ServeError(status_of(e), e.what()));
    for (auto& j : live) j->done.set_exception(err);
  } catch (const ServeError&) {
    for (auto& j : live) j->done.set_exception(std::current_exception());
  } catch (const std::bad_alloc&) {
    auto err = std::make_exception_ptr(ServeError(Status::Unavailable, "out of memory"));
    for (auto& j : live) j->done.set_exception(err);
  } catch (const std::exception& e) {
    auto err = std::make_exception_ptr(ServeError(Status::Internal, e.what()));
    for (auto& j : live) j->done.set_exception(err);
  }
}

void ModelInstance::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
}

}  // namespace segrt::server
