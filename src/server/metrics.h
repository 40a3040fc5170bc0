// Server metrics in Prometheus' text exposition format: request counts by
// model, protocol and outcome; latency histograms split into queue and
// compute; merged batch sizes; requests in flight and queued.
//
//   metrics.request("membrane", "http", Status::Ok, 0.012);
//   std::string text = metrics.render();   // GET /metrics
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "server/protocol.h"

namespace segrt::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  // Lines "<name>_bucket{<labels>,le=...}", _sum, _count.
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // one per bound, plus +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  void request(const std::string& model, const std::string& protocol, Status status, double seconds);
  // One merged batch: `requests` requests, `items` along dim 0, each request's
  // queue wait and the batch's compute time.
  void batch(const std::string& model, int requests, int64_t items, const std::vector<double>& queue_seconds,
             double compute_seconds);
  std::string render() const;

  std::atomic<int64_t> in_flight{0};   // requests being handled by any protocol
  std::atomic<int64_t> queued{0};      // requests waiting for an engine
  std::atomic<uint64_t> answered_ok{0};  // successful inference answers written (drain check)

 private:
  struct ModelStats {
    std::map<std::pair<std::string, std::string>, uint64_t> requests;  // (protocol, status) -> count
    Histogram request_seconds{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};
    Histogram queue_seconds{{0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5}};
    Histogram compute_seconds{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};
    Histogram batch_requests{{1, 2, 4, 8, 16, 32, 64, 128}};
    uint64_t batch_items = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, ModelStats> models_;
};

}  // namespace segrt::server
