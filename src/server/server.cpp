// Server: model loading, auth, in-flight accounting, drain, logs.
#include "server/server.h"

#include <ctime>
#include <thread>

#include "server/segment_service.h"

namespace segrt::server {

std::string json_escape(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o;
}

Server::Server(ServerOptions options) : opts_(std::move(options)) {
  for (ModelEntry& e : scan_repository(opts_.repository, opts_.defaults)) {
    std::string name = e.name;
    log_event("loading model '" + name + "' from " + e.model_path);
    std::unique_ptr<SegmentService> seg;
    std::string why;
    auto m = std::make_unique<ModelInstance>(e, &metrics_, [&](Engine& engine) {
      // Any model can serve tensors; the segmentation route needs a config
      // that resolves against it (sidecar + model), which may fail.
      try {
        seg = std::make_unique<SegmentService>(e, engine);
      } catch (const Error& err) {
        why = err.what();
      }
    });
    log_event("model '" + name + "' ready: backend " + m->backend() + ", " +
              std::to_string(e.serving.instances * e.serving.devices.size()) + " instance(s), max_batch " +
              std::to_string(e.serving.max_batch) + (m->batchable() ? "" : " (model has a fixed batch)"));
    if (seg) {
      seg->bind(m.get());
      segmenters_[name] = std::move(seg);
    } else {
      segment_unavailable_[name] = why;
    }
    models_[name] = std::move(m);
  }
  SEGRT_CHECK(!models_.empty(), InvalidInput, "model repository '", opts_.repository, "' holds no model folder");
}

Server::~Server() {
  for (auto& [name, m] : models_) m->stop();
}

bool Server::authorized(const std::string& authorization) const {
  if (opts_.token.empty()) return true;
  const std::string want = "Bearer " + opts_.token;
  // Compare every byte so timing says nothing about the token.
  unsigned diff = authorization.size() != want.size();
  for (size_t i = 0; i < want.size(); ++i) diff |= (i < authorization.size() ? authorization[i] : 0) ^ want[i];
  return diff == 0;
}

ModelInstance& Server::model(const std::string& name) {
  auto it = models_.find(name);
  if (it == models_.end()) throw ServeError(Status::NotFound, "unknown model '" + name + "'");
  return *it->second;
}

SegmentService& Server::segmenter(const std::string& name) {
  model(name);  // 404 for an unknown model first
  auto it = segmenters_.find(name);
  if (it == segmenters_.end())
    throw ServeError(Status::NotFound, "model '" + name + "' has no segmentation pipeline: " + segment_unavailable_[name]);
  return *it->second;
}

std::vector<Tensor> Server::infer(ModelInstance& m, std::vector<NamedTensor> given) {
  std::vector<Tensor> in = order_inputs(m.inputs(), std::move(given));
  auto deadline = Clock::now() + std::chrono::milliseconds(m.entry().serving.timeout_ms);
  return m.infer(std::move(in), deadline);
}

Server::InFlight::InFlight(Server& s) : s_(s) {
  // Count first, then look at the flag: the drain sets the flag, then waits for
  // the count, so no request slips in between.
  ++s_.metrics_.in_flight;
  if (s_.draining_.load()) {
    --s_.metrics_.in_flight;
    throw ServeError(Status::Unavailable, "server is shutting down");
  }
}

Server::InFlight::~InFlight() { --s_.metrics_.in_flight; }

void Server::begin_drain() {
  draining_ = true;
  log_event("draining: " + std::to_string(metrics_.in_flight.load()) + " request(s) in flight");
}

bool Server::wait_drained(std::chrono::milliseconds limit) {
  auto until = Clock::now() + limit;
  while (metrics_.in_flight.load() > 0) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

namespace {
std::string now_iso() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}
}  // namespace

void Server::log_access(const AccessEntry& e) {
  if (!opts_.log || !opts_.access_log) return;
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", e.seconds * 1000);
  std::string line = "{\"ts\":\"" + now_iso() + "\",\"proto\":\"" + e.protocol + "\",\"method\":\"" +
                     json_escape(e.method) + "\",\"path\":\"" + json_escape(e.path) + "\",\"status\":" +
                     std::to_string(e.status) + ",\"ms\":" + ms + ",\"in\":" + std::to_string(e.bytes_in) +
                     ",\"out\":" + std::to_string(e.bytes_out) + ",\"remote\":\"" + json_escape(e.remote) + "\"}\n";
  std::lock_guard<std::mutex> lk(log_mu_);
  *opts_.log << line << std::flush;
}

void Server::log_event(const std::string& what) {
  if (!opts_.log) return;
  std::string line = "{\"ts\":\"" + now_iso() + "\",\"event\":\"" + json_escape(what) + "\"}\n";
  std::lock_guard<std::mutex> lk(log_mu_);
  *opts_.log << line << std::flush;
}

}  // namespace segrt::server
