// Bounded queues between the streaming pipeline's stages (pipeline.cpp). Each
// holds at most `capacity` items, so the pipeline's memory is the sum of its
// queues' capacities times their item sizes, whatever the image size.
//
// OrderedQueue takes items tagged with a sequence number from several
// producers (the reader threads finish tiles out of order) and hands them out
// in sequence order; a producer blocks while its item is `capacity` or more
// ahead of the next one to be taken. close() wakes everyone (on error or stop).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

namespace segrt::app::stream {

// What both queues share: one lock, a condition for consumers (ready_) and one
// for producers (space_), and close(), which wakes them all for good.
class QueueBase {
 public:
  void close() {
    std::lock_guard<std::mutex> lock(m_);
    closed_ = true;
    ready_.notify_all();
    space_.notify_all();
  }

 protected:
  std::mutex m_;
  std::condition_variable ready_, space_;
  bool closed_ = false;
};

template <class T>
class OrderedQueue : public QueueBase {
 public:
  explicit OrderedQueue(int64_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  // Blocks until seq fits in the window; false when the queue was closed.
  bool push(int64_t seq, T item) {
    std::unique_lock<std::mutex> lock(m_);
    space_.wait(lock, [&] { return closed_ || seq < next_ + capacity_; });
    if (closed_) return false;
    items_.emplace(seq, std::move(item));
    ready_.notify_all();
    return true;
  }
  // Waits until the next one in order (or the queue is closed: nullopt).
  std::optional<T> pop() {
    std::unique_lock<std::mutex> lock(m_);
    ready_.wait(lock, [&] { return closed_ || items_.count(next_) > 0; });
    if (closed_) return std::nullopt;
    auto it = items_.find(next_);
    T item = std::move(it->second);
    items_.erase(it);
    ++next_;
    space_.notify_all();
    return item;
  }
  void start_at(int64_t seq) {
    std::lock_guard<std::mutex> lock(m_);
    next_ = seq;
  }

 private:
  std::map<int64_t, T> items_;
  int64_t next_ = 0, capacity_;
};

// Single-producer FIFO with the same blocking and closing rules. finish()
// lets the consumer drain what is queued, then pop() returns nullopt.
template <class T>
class BoundedQueue : public QueueBase {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}
  bool push(T item) {
    std::unique_lock<std::mutex> lock(m_);
    space_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    ready_.notify_all();
    return true;
  }
  std::optional<T> pop() {
    std::unique_lock<std::mutex> lock(m_);
    ready_.wait(lock, [&] { return closed_ || finished_ || !items_.empty(); });
    if (closed_ || items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    space_.notify_all();
    return item;
  }
  void finish() {
    std::lock_guard<std::mutex> lock(m_);
    finished_ = true;
    ready_.notify_all();
  }

 private:
  std::deque<T> items_;
  size_t capacity_;
  bool finished_ = false;
};

}  // namespace segrt::app::stream
