// Device memory of an executable: weights (one copy per engine through the
// WeightCache), owned constants, the search scratch, the arena plan and the
// per-context buffers of constant tables.
#include <algorithm>
#include "backend/cuda/cuda_exec.h"
#include "core/hash.h"
#include "passes/plan_memory.h"

namespace segrt::cuda {

void* CudaExecutable::alloc_owned(size_t bytes) {
  void* p = nullptr;
  SEGRT_CUDA_CHECK(cudaMalloc(&p, std::max<size_t>(bytes, 1)));
  owned_.push_back(p);
  owned_bytes_ += bytes;
  return p;
}

void* CudaExecutable::search_scratch(size_t bytes) {
  if (bytes <= scratch_bytes_) return scratch_;
  if (scratch_) cudaFree(scratch_);
  scratch_ = nullptr;
  scratch_bytes_ = 0;
  SEGRT_CUDA_CHECK(cudaMalloc(&scratch_, bytes));
  scratch_bytes_ = bytes;
  return scratch_;
}

void* CudaExecutable::upload(const void* host, size_t bytes) {
  if (weights_) {  // one copy per device and precision, shared by every plan of the engine
    std::shared_ptr<void> p = weights_->get(host, bytes, device_);
    weight_refs_.push_back(p);
    owned_bytes_ += bytes;
    return p.get();
  }
  void* p = alloc_owned(bytes);
  SEGRT_CUDA_CHECK(cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice));
  return p;
}

std::shared_ptr<void> WeightCache::get(const void* host, size_t bytes, int device) {
  std::string key = std::to_string(device) + ":" + std::to_string(bytes) + ":" + content_hash(host, bytes);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it != map_.end())
    if (auto p = it->second.lock()) return p;
  void* d = nullptr;
  SEGRT_CUDA_CHECK(cudaMalloc(&d, std::max<size_t>(bytes, 1)));
  std::shared_ptr<void> p(d, [](void* q) { cudaFree(q); });
  SEGRT_CUDA_CHECK(cudaMemcpy(d, host, bytes, cudaMemcpyHostToDevice));
  map_[key] = p;
  return p;
}

// Device values live from their first to their last step; the one planner
// (passes/plan_memory.h) places them in the arena each context allocates.
void CudaExecutable::plan_arena() {
  const size_t kAlign = 256;
  std::vector<int> ids;
  std::vector<BufferLife> lives;
  for (size_t i = 0; i < vals_.size(); ++i) {
    const DevValue& v = vals_[i];
    if (v.fixed || !v.defined || v.bytes == 0 || v.first < 0) continue;
    ids.push_back(static_cast<int>(i));
    lives.push_back({v.first, v.last, v.bytes});
    unplanned_bytes_ += v.bytes;
  }
  std::vector<size_t> at = place_buffers(lives, kAlign, &arena_bytes_);  // each context allocates its own (open_state)
  for (size_t k = 0; k < ids.size(); ++k) vals_[ids[k]].offset = at[k];
}

void* CudaExecutable::context_buffer(const void* key, const std::function<std::vector<char>()>& fill) {
  RunState& s = *tls_run_state;
  auto it = s.buffers.find(key);
  if (it != s.buffers.end()) return it->second;
  std::vector<char> host = fill();
  void* d = nullptr;
  SEGRT_CUDA_CHECK(cudaMalloc(&d, std::max<size_t>(host.size(), 1)));
  s.buffers[key] = d;
  SEGRT_CUDA_CHECK(cudaMemcpy(d, host.data(), host.size(), cudaMemcpyHostToDevice));
  return d;
}

}  // namespace segrt::cuda
