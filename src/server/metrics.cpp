// Prometheus text rendering of the server's counters and histograms.
#include "server/metrics.h"

#include <cstdio>

namespace segrt::server {

namespace {
std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}
std::string label(const std::string& s) {  // escape for a label value
  std::string o;
  for (char c : s) {
    if (c == '\\' || c == '"') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}
}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  uint64_t cum = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cum += counts_[i];
    out += name + "_bucket{" + labels + ",le=\"" + (i < bounds_.size() ? num(bounds_[i]) : "+Inf") + "\"} " +
           std::to_string(cum) + "\n";
  }
  out += name + "_sum{" + labels + "} " + num(sum_) + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(count_) + "\n";
}

void Metrics::request(const std::string& model, const std::string& protocol, Status status, double seconds) {
  std::lock_guard<std::mutex> lk(mu_);
  ModelStats& m = models_[model];
  ++m.requests[{protocol, status_name(status)}];
  if (status == Status::Ok) m.request_seconds.observe(seconds);
}

void Metrics::batch(const std::string& model, int requests, int64_t items, const std::vector<double>& queue_seconds,
                    double compute_seconds) {
  std::lock_guard<std::mutex> lk(mu_);
  ModelStats& m = models_[model];
  for (double q : queue_seconds) m.queue_seconds.observe(q);
  m.compute_seconds.observe(compute_seconds);
  m.batch_requests.observe(requests);
  m.batch_items += static_cast<uint64_t>(items);
}

std::string Metrics::render() const {
  std::string o;
  o += "# HELP segrt_requests_total Inference requests by model, protocol and outcome.\n";
  o += "# TYPE segrt_requests_total counter\n";
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto& [model, m] : models_)
    for (const auto& [key, n] : m.requests)
      o += "segrt_requests_total{model=\"" + label(model) + "\",protocol=\"" + key.first + "\",status=\"" +
           key.second + "\"} " + std::to_string(n) + "\n";
  struct H {
    const char* name;
    const char* help;
    Histogram ModelStats::*h;
  };
  const H hs[] = {
      {"segrt_request_duration_seconds", "Successful requests, arrival to answer.", &ModelStats::request_seconds},
      {"segrt_queue_duration_seconds", "Time a request waited for an engine.", &ModelStats::queue_seconds},
      {"segrt_compute_duration_seconds", "Engine run time per (merged) batch.", &ModelStats::compute_seconds},
      {"segrt_batch_requests", "Requests merged into one engine run.", &ModelStats::batch_requests},
  };
  for (const auto& h : hs) {
    o += std::string("# HELP ") + h.name + " " + h.help + "\n# TYPE " + h.name + " histogram\n";
    for (const auto& [model, m] : models_) (m.*(h.h)).render(o, h.name, "model=\"" + label(model) + "\"");
  }
  o += "# HELP segrt_batch_items_total Items (dim 0) run by the engines.\n# TYPE segrt_batch_items_total counter\n";
  for (const auto& [model, m] : models_)
    o += "segrt_batch_items_total{model=\"" + label(model) + "\"} " + std::to_string(m.batch_items) + "\n";
  o += "# HELP segrt_inflight_requests Requests being handled.\n# TYPE segrt_inflight_requests gauge\n";
  o += "segrt_inflight_requests " + std::to_string(in_flight.load()) + "\n";
  o += "# HELP segrt_queued_requests Requests waiting for an engine.\n# TYPE segrt_queued_requests gauge\n";
  o += "segrt_queued_requests " + std::to_string(queued.load()) + "\n";
  return o;
}

}  // namespace segrt::server
