// The public execution context (engine.h): bindings checked against the
// plan, runs through the backend's ExecContext, which goes back to the plan's
// pool when the Context goes. Also DeviceBuffer and HostBuffer.
#include <utility>

#include "runtime/engine_impl.h"

namespace segrt {

struct Context::Impl {
  Engine::Impl* engine = nullptr;
  Plan* plan = nullptr;
  std::unique_ptr<ExecContext> ctx;
  std::vector<Binding> in, out;
  std::vector<char> in_set, out_set;
  bool failed = false;

  ~Impl() {
    if (!ctx) return;
    try {
      ctx->wait();
    } catch (...) {
      failed = true;
    }
    if (failed) plan->discard();
    else plan->release(std::move(ctx));
  }

  void check(const TensorView& v, const TensorInfo& want, const char* what, size_t index) const {
    SEGRT_CHECK(v.data != nullptr, InvalidInput, what, " ", index, " ('", want.name, "'): null data pointer");
    SEGRT_CHECK(v.dtype == want.dtype && v.shape == want.shape, InvalidInput, what, " ", index, " ('", want.name,
                "') is compiled as ", dtype_name(want.dtype), shape_str(want.shape), "; bound ", dtype_name(v.dtype),
                shape_str(v.shape));
    SEGRT_CHECK(v.memory == Memory::Host || plan->exe->device_io(), InvalidInput, what, " ", index,
                ": the ", engine->backend_name, " backend takes host memory only");
  }
};

Context::Context(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Context::Context(Context&&) noexcept = default;
Context& Context::operator=(Context&&) noexcept = default;
Context::~Context() = default;

const std::vector<TensorInfo>& Context::inputs() const { return impl_->plan->inputs; }
const std::vector<TensorInfo>& Context::outputs() const { return impl_->plan->outputs; }

void Context::bind_input(size_t index, const TensorView& view) {
  SEGRT_CHECK(index < impl_->in.size(), InvalidInput, "input index ", index, " (the model has ", impl_->in.size(),
              " inputs)");
  impl_->check(view, impl_->plan->inputs[index], "input", index);
  impl_->in[index] = {view.data, view.memory == Memory::Device};
  impl_->in_set[index] = 1;
}

void Context::bind_output(size_t index, const TensorView& view) {
  SEGRT_CHECK(index < impl_->out.size(), InvalidInput, "output index ", index, " (the model has ", impl_->out.size(),
              " outputs)");
  impl_->check(view, impl_->plan->outputs[index], "output", index);
  impl_->out[index] = {view.data, view.memory == Memory::Device};
  impl_->out_set[index] = 1;
}

void Context::enqueue(void* cuda_stream) {
  Impl& c = *impl_;
  for (size_t i = 0; i < c.in.size(); ++i)
    SEGRT_CHECK(c.in_set[i], InvalidInput, "input ", i, " ('", c.plan->inputs[i].name, "') is not bound");
  for (size_t i = 0; i < c.out.size(); ++i)
    SEGRT_CHECK(c.out_set[i], InvalidInput, "output ", i, " ('", c.plan->outputs[i].name, "') is not bound");
  try {
    c.ctx->enqueue(c.in, c.out, cuda_stream, c.engine->observer ? &c.engine->observer : nullptr);
  } catch (Error& e) {
    throw e.with_file(c.engine->model.source_file);
  }
}

void Context::wait() {
  try {
    impl_->ctx->wait();
  } catch (Error& e) {
    throw e.with_file(impl_->engine->model.source_file);
  }
}

bool Context::poll() { return impl_->ctx->poll(); }

RunTiming Context::last_timing() const {
  ExecContext::Timing t = impl_->ctx->last_timing();
  return {t.compute_ms, t.h2d_ms, t.d2h_ms};
}

Context Engine::create_context(const std::vector<Shape>& input_shapes) {
  auto c = std::make_unique<Context::Impl>();
  try {
    impl_->check_shapes(input_shapes, {});
    c->engine = impl_.get();
    c->plan = &impl_->plan_for_shapes(input_shapes);
    c->ctx = c->plan->acquire(0);  // an explicit context is never limited by max_contexts
  } catch (Error& e) {
    throw e.with_file(impl_->model.source_file);
  }
  c->in.resize(c->plan->inputs.size());
  c->out.resize(c->plan->outputs.size());
  c->in_set.assign(c->in.size(), 0);
  c->out_set.assign(c->out.size(), 0);
  return Context(std::move(c));
}

// ------------------------------------------------- DeviceBuffer and HostBuffer

// Both buffers own their bytes the same way: allocated through the backend
// (host: pinned on cuda), freed through it when the last owner goes (a buffer
// may outlive its Engine: the backend is shared).
struct BackendMemory {
  std::shared_ptr<Backend> backend;
  int device = 0;
  bool host = false;
  void* data = nullptr;
  BackendMemory(std::shared_ptr<Backend> b, int dev, bool on_host, size_t bytes)
      : backend(std::move(b)), device(dev), host(on_host) {
    data = host ? backend->host_alloc(bytes, device) : backend->device_alloc(bytes, device);
  }
  BackendMemory(const BackendMemory&) = delete;
  BackendMemory& operator=(const BackendMemory&) = delete;
  ~BackendMemory() {
    if (!data) return;
    if (host) backend->host_free(data, device);
    else backend->device_free(data, device);
  }
};
struct DeviceBuffer::Owner : BackendMemory {
  using BackendMemory::BackendMemory;
};
struct HostBuffer::Owner : BackendMemory {
  using BackendMemory::BackendMemory;
};

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : owner_(std::move(o.owner_)), data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  owner_ = std::move(o.owner_);
  data_ = std::exchange(o.data_, nullptr);
  size_ = std::exchange(o.size_, 0);
  return *this;
}

DeviceBuffer::~DeviceBuffer() = default;

void DeviceBuffer::copy_from_host(const void* src, size_t bytes) {
  SEGRT_CHECK(owner_ && bytes <= size_, InvalidInput, "copy of ", bytes, " bytes into a device buffer of ", size_);
  owner_->backend->device_copy(data_, src, bytes, true, owner_->device);
}

void DeviceBuffer::copy_to_host(void* dst, size_t bytes) const {
  SEGRT_CHECK(owner_ && bytes <= size_, InvalidInput, "copy of ", bytes, " bytes from a device buffer of ", size_);
  owner_->backend->device_copy(dst, data_, bytes, false, owner_->device);
}

DeviceBuffer Engine::allocate_device(size_t bytes) {
  DeviceBuffer b;
  b.owner_ = std::make_shared<DeviceBuffer::Owner>(impl_->backend, impl_->options.device, false, bytes);
  b.data_ = b.owner_->data;
  b.size_ = bytes;
  return b;
}

HostBuffer::HostBuffer(HostBuffer&& o) noexcept
    : owner_(std::move(o.owner_)), data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

HostBuffer& HostBuffer::operator=(HostBuffer&& o) noexcept {
  owner_ = std::move(o.owner_);
  data_ = std::exchange(o.data_, nullptr);
  size_ = std::exchange(o.size_, 0);
  return *this;
}

HostBuffer::~HostBuffer() = default;

HostBuffer Engine::allocate_host(size_t bytes) {
  HostBuffer b;
  b.owner_ = std::make_shared<HostBuffer::Owner>(impl_->backend, impl_->options.device, true, bytes);
  b.data_ = b.owner_->data;
  b.size_ = bytes;
  return b;
}

}  // namespace segrt
