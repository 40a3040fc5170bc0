// Server: what the HTTP and gRPC front ends share: the loaded models, the
// bearer token, metrics, the access log, limits, and the drain on shutdown.
// The front ends only translate their protocol to these calls.
//
//   Server srv(opts);                    // loads every model of the repository
//   HttpFrontend http(srv); http.start();
//   ...; srv.begin_drain(); srv.wait_drained(30s); http.stop();
#pragma once
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include "server/metrics.h"
#include "server/model_instance.h"
#include "server/protocol.h"

namespace segrt::server {

class SegmentService;

struct ServerOptions {
  std::string repository;
  std::string host = "127.0.0.1";
  int http_port = 8000;                 // -1: no HTTP
  int grpc_port = 8001;                 // -1: no gRPC
  int http_threads = 96;                // connections served at once (keep-alive holds a thread)
  ServingConfig defaults;               // per model, overridden by its sidecar's serving section
  std::string token;                    // bearer token; "" = no auth
  size_t max_request_bytes = 64 << 20;  // larger requests get 413 / RESOURCE_EXHAUSTED
  std::string tls_cert, tls_key;        // PEM files; both set = TLS for HTTP and gRPC
  std::ostream* log = nullptr;          // access log and lifecycle lines (JSON per line); nullptr = quiet
  bool access_log = true;
};

struct AccessEntry {
  const char* protocol;
  std::string method, path, remote, model;
  int status = 0;
  double seconds = 0;
  size_t bytes_in = 0, bytes_out = 0;
};

class Server {
 public:
  explicit Server(ServerOptions options);  // throws segrt::Error when a model fails to load
  ~Server();

  const ServerOptions& options() const { return opts_; }
  Metrics& metrics() { return metrics_; }
  bool live() const { return true; }
  bool ready() const { return !draining_.load(); }

  // True when auth is off or `authorization` is "Bearer <token>".
  bool authorized(const std::string& authorization) const;
  // The model, or ServeError(NotFound).
  ModelInstance& model(const std::string& name);
  const std::map<std::string, std::unique_ptr<ModelInstance>>& models() const { return models_; }
  // The segmentation route's pipeline for a model, or ServeError(NotFound) saying why.
  SegmentService& segmenter(const std::string& model);

  // Checks the inputs and runs them; counts the request in flight while it runs.
  std::vector<Tensor> infer(ModelInstance& m, std::vector<NamedTensor> given);

  // While a request is handled: refused (Unavailable) once draining started.
  class InFlight {
   public:
    explicit InFlight(Server& s);
    ~InFlight();

   private:
    Server& s_;
  };

  void begin_drain();
  // True when no request is in flight any more (false after `limit`).
  bool wait_drained(std::chrono::milliseconds limit);
  void log_access(const AccessEntry& e);
  void log_event(const std::string& what);

 private:
  ServerOptions opts_;
  Metrics metrics_;
  std::map<std::string, std::unique_ptr<ModelInstance>> models_;
  std::map<std::string, std::unique_ptr<SegmentService>> segmenters_;
  std::map<std::string, std::string> segment_unavailable_;  // model -> why
  std::atomic<bool> draining_{false};
  std::mutex log_mu_;
};

std::string json_escape(const std::string& s);

}  // namespace segrt::server
