// segrt serve --model-repository DIR: the Open Inference Protocol (KServe v2)
// over HTTP and gRPC for every model folder of DIR (src/server/). SIGTERM or
// SIGINT stops taking requests, lets those in flight finish, then exits.
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"

#ifdef SEGRT_HAVE_SERVER
#include "server/grpc_frontend.h"
#include "server/http_frontend.h"
#include "server/server.h"
#endif

namespace segrt::cli {

namespace {

struct ServeArgs {
  std::string repository, host = "127.0.0.1", token_file, tls_cert, tls_key;
  int http_port = 8000, grpc_port = 8001, http_threads = 96;
  int max_batch = 1, batch_delay_us = 0, instances = 1, max_queue = 256, timeout_ms = 60000;
  int64_t max_request_bytes = 64 << 20;
  int drain_timeout_s = 30;
  bool no_access_log = false;
  EngineFlags flags;
};

#ifdef SEGRT_HAVE_SERVER
std::string read_token(const std::string& path) {
  std::ifstream f(path);
  SEGRT_CHECK(f, Io, "cannot read the token file '", path, "'");
  std::stringstream ss;
  ss << f.rdbuf();
  std::string t = ss.str();
  while (!t.empty() && isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  while (!t.empty() && isspace(static_cast<unsigned char>(t.front()))) t.erase(t.begin());
  SEGRT_CHECK(!t.empty(), InvalidInput, "the token file '", path, "' is empty");
  return t;
}

void serve(const ServeArgs& a) {
  // Every thread the server starts inherits this mask, so the signals reach
  // only the sigwait below (the library installs no handlers: style rule 11).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client closing early must not kill the server

  SEGRT_CHECK((a.tls_cert.empty()) == (a.tls_key.empty()), InvalidInput, "--tls-cert and --tls-key go together");
  server::ServerOptions o;
  o.repository = a.repository;
  o.host = a.host;
  o.http_port = a.http_port;
  o.grpc_port = a.grpc_port;
  o.http_threads = a.http_threads;
  o.max_request_bytes = static_cast<size_t>(a.max_request_bytes);
  o.tls_cert = a.tls_cert;
  o.tls_key = a.tls_key;
  o.log = &std::cerr;
  o.access_log = !a.no_access_log;
  if (!a.token_file.empty()) o.token = read_token(a.token_file);
  Options eo = a.flags.options();
  o.defaults.backend = eo.backend;
  o.defaults.precision = eo.precision;
  o.defaults.devices = {eo.device};
  o.defaults.threads = eo.threads;
  o.defaults.max_batch = a.max_batch;
  o.defaults.batch_delay_us = a.batch_delay_us;
  o.defaults.instances = a.instances;
  o.defaults.max_queue = a.max_queue;
  o.defaults.timeout_ms = a.timeout_ms;

  server::Server srv(o);
  std::unique_ptr<server::HttpFrontend> http;
  std::unique_ptr<server::GrpcFrontend> grpc;
  std::string where;
  if (a.http_port >= 0) {
    http = std::make_unique<server::HttpFrontend>(srv);
    http->start();
    where += " http " + a.host + ":" + std::to_string(http->port());
  }
  if (a.grpc_port >= 0) {
    grpc = std::make_unique<server::GrpcFrontend>(srv);
    grpc->start();
    where += " grpc " + a.host + ":" + std::to_string(grpc->port());
  }
  SEGRT_CHECK(http || grpc, InvalidInput, "both --http-port and --grpc-port are -1: nothing to serve");
  srv.log_event("listening" + where + (o.tls_cert.empty() ? "" : " (TLS)") + (o.token.empty() ? "" : " (bearer auth)"));

  int sig = 0;
  sigwait(&stop_signals, &sig);
  srv.begin_drain();
  bool drained = srv.wait_drained(std::chrono::seconds(a.drain_timeout_s));
  if (http) http->stop();
  if (grpc) grpc->stop();
  srv.log_event(std::string(drained ? "drained" : "drain timed out") + " after " + strsignal(sig) + ": " +
                std::to_string(srv.metrics().answered_ok.load()) + " inference requests answered, " +
                std::to_string(srv.metrics().in_flight.load()) + " in flight");
}
#endif

}  // namespace

void add_serve_command(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve a model repository over HTTP and gRPC (KServe v2 protocol)");
  cmd->add_option("--model-repository", a->repository, "folder with one subfolder per model")->required();
  cmd->add_option("--host", a->host, "address to bind (0.0.0.0 for all interfaces)")->capture_default_str();
  cmd->add_option("--http-port", a->http_port, "HTTP port (0: any free one, -1: no HTTP)")->capture_default_str();
  cmd->add_option("--grpc-port", a->grpc_port, "gRPC port (0: any free one, -1: no gRPC)")->capture_default_str();
  cmd->add_option("--http-threads", a->http_threads, "HTTP connections served at once")->capture_default_str();
  cmd->add_option("--max-batch", a->max_batch, "largest merged batch (sidecar serving.max_batch wins)")
      ->capture_default_str();
  cmd->add_option("--batch-delay-us", a->batch_delay_us, "how long a request waits for others to batch with")
      ->capture_default_str();
  cmd->add_option("--instances", a->instances, "engines per device, each running one batch at a time")
      ->capture_default_str();
  cmd->add_option("--max-queue", a->max_queue, "queued requests per model before 503")->capture_default_str();
  cmd->add_option("--timeout-ms", a->timeout_ms, "per-request limit (queue + compute)")->capture_default_str();
  cmd->add_option("--max-request-bytes", a->max_request_bytes, "larger requests get 413")->capture_default_str();
  cmd->add_option("--token-file", a->token_file, "require 'Authorization: Bearer <token in this file>'");
  cmd->add_option("--tls-cert", a->tls_cert, "PEM certificate: serve HTTPS and gRPC over TLS");
  cmd->add_option("--tls-key", a->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--drain-timeout-s", a->drain_timeout_s, "on SIGTERM, longest wait for requests in flight")
      ->capture_default_str();
  cmd->add_flag("--no-access-log", a->no_access_log, "no line per request on stderr");
  a->flags.add_to(cmd);
  cmd->callback([a, exit_code] {
#ifdef SEGRT_HAVE_SERVER
    serve(*a);
    *exit_code = 0;
#else
    SEGRT_FAIL(Unsupported, "this segrt was built without the server (configure found no libcpp-httplib-dev / "
                            "libgrpc++-dev / protobuf-compiler-grpc; see scripts/setup.sh)");
#endif
  });
}

}  // namespace segrt::cli
