// Output tensors for Engine::run. On a GPU backend they are page-locked host
// memory the device copies into directly (no driver staging, no copy after),
// recycled when the caller drops the tensor; elsewhere, and beyond a bound of
// pinned bytes (a caller keeping every output must not pin the machine's
// memory), plain memory. Never zero-filled: the run writes every byte.
//
//   OutputPool pool(backend, device, 1ull << 30);
//   Tensor y = pool.tensor(DType::f32, {16, 2, 512, 512}, Layout::NCHW);
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>

#include "backend/backend.h"

namespace segrt {

class OutputPool : public std::enable_shared_from_this<OutputPool> {
 public:
  // `pinned`: the backend's host_alloc gives page-locked memory worth recycling.
  OutputPool(std::shared_ptr<Backend> backend, int device, bool pinned, size_t max_pinned_bytes);
  ~OutputPool();
  OutputPool(const OutputPool&) = delete;
  OutputPool& operator=(const OutputPool&) = delete;
  Tensor tensor(DType dtype, const Shape& shape, Layout layout);
  size_t pinned_bytes() const;  // allocated from the backend, in use or free

 private:
  void give_back(void* p, size_t bytes);
  std::shared_ptr<Backend> backend_;  // host_free outlives the engine while tensors do
  int device_;
  bool pinned_;
  size_t max_;
  mutable std::mutex mu_;
  std::multimap<size_t, void*> free_;  // by size
  size_t held_ = 0;
};

}  // namespace segrt
