#include "runtime/output_pool.h"

#include <algorithm>
#include <cstdlib>

namespace segrt {

OutputPool::OutputPool(std::shared_ptr<Backend> backend, int device, bool pinned, size_t max_pinned_bytes)
    : backend_(std::move(backend)), device_(device), pinned_(pinned), max_(max_pinned_bytes) {}

OutputPool::~OutputPool() {
  for (auto& [bytes, p] : free_) backend_->host_free(p, device_);
}

size_t OutputPool::pinned_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_;
}

void OutputPool::give_back(void* p, size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  free_.emplace(bytes, p);
}

Tensor OutputPool::tensor(DType dtype, const Shape& shape, Layout layout) {
  const size_t need = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);  // a plan's shape: known
  const size_t bytes = (std::max<size_t>(need, 1) + 63) / 64 * 64;
  void* p = nullptr;
  bool fresh = false;
  if (pinned_) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(bytes);
    if (it != free_.end()) {
      p = it->second;
      free_.erase(it);
    } else if (held_ + bytes <= max_) {
      held_ += bytes;  // reserved before the (slow) allocation: racing callers respect the bound
      fresh = true;
    }
  }
  if (fresh) {
    try {
      p = backend_->host_alloc(bytes, device_);
    } catch (const Error&) {  // no page-locked memory left: plain memory below
      std::lock_guard<std::mutex> lock(mu_);
      held_ -= bytes;
      p = nullptr;
    }
  }
  if (p) {
    auto self = shared_from_this();
    std::shared_ptr<void> owner(p, [self, bytes](void* q) { self->give_back(q, bytes); });
    return Tensor::wrap(p, dtype, shape, std::move(owner), layout);
  }
  void* q = std::aligned_alloc(64, bytes);
  SEGRT_CHECK(q != nullptr, OutOfMemory, "cannot allocate ", need, " bytes for an output of shape ", shape_str(shape));
  return Tensor::wrap(q, dtype, shape, std::shared_ptr<void>(q, [](void* r) { std::free(r); }), layout);
}

}  // namespace segrt
