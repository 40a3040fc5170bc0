// HTTP/REST routes of the Open Inference Protocol v2 over cpp-httplib.
#include "server/http_frontend.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "server/http_infer_request.h"
#include "server/segment_service.h"
#include "server/tensor_json.h"
#include "segrt/version.h"

namespace segrt::server {

namespace {

using json = nlohmann::json;
const char* kModel = R"(/v2/models/([^/]+)(?:/versions/([^/]+))?)";

// A connection is served by one pool thread from request to response, so the
// request's start time can live in a thread_local set before routing.
thread_local Clock::time_point t_request_start;

// Messages may quote client bytes that are not UTF-8 (a JSON parser's "last
// read"): they are replaced, never a reason for dump() to throw.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_error(httplib::Response& res, Status s, const std::string& message) {
  res.status = http_status(s);
  if (s == Status::Unavailable) res.set_header("Retry-After", "1");
  res.set_content(dump(json{{"error", message}}), "application/json");
}

void send_json(httplib::Response& res, const json& j) { res.set_content(dump(j), "application/json"); }

// The version part of a model path: only "1" (or none) exists.
ModelInstance& model_of(Server& srv, const httplib::Request& req) {
  ModelInstance& m = srv.model(req.matches[1]);
  if (req.matches.size() > 2 && req.matches[2].matched && req.matches[2] != "1")
    throw ServeError(Status::NotFound, "model '" + m.name() + "' has no version '" + req.matches[2].str() + "'");
  return m;
}

json tensor_meta(const TensorInfo& t) {
  return json{{"name", t.name}, {"datatype", dtype_to_v2(t.dtype)}, {"shape", t.shape}};
}

bool param_true(const json& j, const char* key) {
  if (!j.is_object() || !j.contains("parameters") || !j["parameters"].is_object()) return false;
  const json& p = j["parameters"];
  return p.contains(key) && p[key].is_boolean() && p[key].get<bool>();
}

void answer_infer(ModelInstance& m, const json& header, const std::vector<Tensor>& out, httplib::Response& res) {
  // Outputs asked for (all when none named), each in JSON or binary.
  std::vector<std::pair<size_t, bool>> chosen;
  bool binary_default = param_true(header, "binary_data_output");
  if (header.contains("outputs") && header["outputs"].is_array() && !header["outputs"].empty()) {
    for (const json& o : header["outputs"]) {
      std::string name = o.is_object() && o.contains("name") && o["name"].is_string() ? o["name"].get<std::string>() : "";
      size_t i = 0;
      while (i < m.outputs().size() && m.outputs()[i].name != name) ++i;
      if (i == m.outputs().size()) throw ServeError(Status::BadRequest, "unknown output '" + name + "'");
      bool binary = binary_default;
      if (o.contains("parameters") && o["parameters"].is_object() && o["parameters"].contains("binary_data"))
        binary = param_true(o, "binary_data");
      chosen.push_back({i, binary});
    }
  } else {
    for (size_t i = 0; i < out.size(); ++i) chosen.push_back({i, binary_default});
  }
  json r{{"model_name", m.name()}, {"model_version", "1"}, {"outputs", json::array()}};
  if (header.contains("id")) r["id"] = header["id"];
  std::string raw;
  for (auto [i, binary] : chosen) {
    const Tensor& t = out[i];
    json o{{"name", m.outputs()[i].name}, {"datatype", dtype_to_v2(t.dtype())}, {"shape", t.shape()}};
    if (binary) {
      o["parameters"] = {{"binary_data_size", t.nbytes()}};
      raw.append(static_cast<const char*>(t.raw()), t.nbytes());
    } else {
      o["data"] = tensor_to_json(t);
    }
    r["outputs"].push_back(std::move(o));
  }
  std::string head = dump(r);
  if (raw.empty()) {
    res.set_content(head, "application/json");
  } else {
    res.set_header(kInferHeaderLength, std::to_string(head.size()));
    res.set_header("Content-Type", "application/octet-stream");
    head += raw;
    res.body = std::move(head);  // set_content would copy the tensors once more
  }
}

// Runs a handler, turning any failure into an error response.
template <class F>
void guarded(httplib::Response& res, F&& f) {
  try {
    f();
  } catch (...) {
    std::string message;
    Status st = status_of_current_exception(&message);
    send_error(res, st, message);
  }
}

}  // namespace

HttpFrontend::HttpFrontend(Server& server) : srv_(server) {
  const ServerOptions& o = srv_.options();
  if (!o.tls_cert.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    SEGRT_CHECK(tls->is_valid(), InvalidInput, "TLS: cannot use certificate '", o.tls_cert, "' with key '", o.tls_key,
                "'");
    http_ = std::move(tls);
  } else {
    http_ = std::make_unique<httplib::Server>();
  }
  int threads = o.http_threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_->set_payload_max_length(o.max_request_bytes);
  http_->set_keep_alive_max_count(1000000);
  http_->set_read_timeout(30, 0);
  add_routes();
}

HttpFrontend::~HttpFrontend() { stop(); }

void HttpFrontend::add_routes() {
  httplib::Server& h = *http_;
  Server& srv = srv_;

  // Runs before the body is read: bad tokens are refused without work.
  h.set_pre_routing_handler([&srv](const httplib::Request& req, httplib::Response& res) {
    t_request_start = Clock::now();
    if (req.path.rfind("/v2/health/", 0) == 0 || srv.authorized(req.get_header_value("Authorization")))
      return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer");
    res.set_header("Connection", "close");  // the unread body must not be taken for the next request
    send_error(res, Status::Unauthorized, "missing or wrong bearer token");
    return httplib::Server::HandlerResponse::Handled;
  });
  h.set_logger([&srv](const httplib::Request& req, const httplib::Response& res) {
    AccessEntry e{"http", req.method, req.path, req.remote_addr, "", res.status,
                  std::chrono::duration<double>(Clock::now() - t_request_start).count(), req.body.size(),
                  res.body.size()};
    srv.log_access(e);
  });
  h.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      std::string what = res.status == 413 ? "request larger than the server's limit (--max-request-bytes)"
                         : res.status == 404 ? "no such route"
                                             : "request rejected";
      res.set_content(dump(json{{"error", what}}), "application/json");
    }
  });

  h.Get("/v2/health/live", [&srv](const httplib::Request&, httplib::Response& res) {
    res.status = srv.live() ? 200 : 503;
  });
  h.Get("/v2/health/ready", [&srv](const httplib::Request&, httplib::Response& res) {
    res.status = srv.ready() ? 200 : 503;
  });
  h.Get("/v2", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, json{{"name", "segrt"},
                        {"version", segrt::version()},
                        {"extensions", {"binary_tensor_data", "model_repository", "segmentation", "metrics"}}});
  });
  h.Get(std::string(kModel) + "/ready", [&srv](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] {
      model_of(srv, req);
      res.status = srv.ready() ? 200 : 503;
    });
  });
  h.Get(kModel, [&srv](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] {
      ModelInstance& m = model_of(srv, req);
      json j{{"name", m.name()}, {"versions", {"1"}}, {"platform", m.platform()}, {"inputs", json::array()},
             {"outputs", json::array()}};
      for (const auto& t : m.inputs()) j["inputs"].push_back(tensor_meta(t));
      for (const auto& t : m.outputs()) j["outputs"].push_back(tensor_meta(t));
      send_json(res, j);
    });
  });
  h.Post(std::string(kModel) + "/infer", [&srv](const httplib::Request& req, httplib::Response& res) {
    std::string model = req.matches[1];
    Status status = Status::Ok;
    guarded(res, [&] {
      try {
        Server::InFlight busy(srv);
        ModelInstance& m = model_of(srv, req);
        const std::string length = req.get_header_value(kInferHeaderLength);
        HttpInferRequest p = parse_http_infer(req.body, req.has_header(kInferHeaderLength) ? &length : nullptr);
        std::vector<Tensor> out = srv.infer(m, std::move(p.inputs));
        answer_infer(m, p.header, out, res);
        ++srv.metrics().answered_ok;
      } catch (...) {
        std::string message;
        status = status_of_current_exception(&message);  // the metrics' label; the response is guarded's
        throw;
      }
    });
    if (srv.models().count(model))
      srv.metrics().request(model, "http", status,
                            std::chrono::duration<double>(Clock::now() - t_request_start).count());
  });
  h.Post(std::string(kModel) + "/segment", [&srv](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] {
      Server::InFlight busy(srv);
      SegmentService& seg = srv.segmenter(req.matches[1]);
      bool overlay = req.get_param_value("output") == "overlay";
      auto deadline = Clock::now() + std::chrono::milliseconds(srv.model(req.matches[1]).entry().serving.timeout_ms);
      res.set_content(seg.segment(req.body, overlay, deadline), "image/png");
    });
  });
  h.Post("/v2/repository/index", [&srv](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] {
      bool only_ready = false;
      if (!req.body.empty()) {
        json b;
        try {
          b = json::parse(req.body);
        } catch (const json::exception& e) {
          throw ServeError(Status::BadRequest, std::string("malformed JSON: ") + e.what());
        }
        only_ready = b.is_object() && b.value("ready", false);
      }
      json a = json::array();
      for (const auto& [name, m] : srv.models())
        if (!only_ready || srv.ready()) a.push_back({{"name", name}, {"version", "1"}, {"state", "READY"}});
      send_json(res, a);
    });
  });
  h.Get("/metrics", [&srv](const httplib::Request&, httplib::Response& res) {
    res.set_content(srv.metrics().render(), "text/plain; version=0.0.4");
  });
}

void HttpFrontend::start() {
  const ServerOptions& o = srv_.options();
  if (o.http_port == 0) {
    port_ = http_->bind_to_any_port(o.host);
    SEGRT_CHECK(port_ > 0, Io, "HTTP: cannot bind ", o.host);
  } else {
    SEGRT_CHECK(http_->bind_to_port(o.host, o.http_port), Io, "HTTP: cannot bind ", o.host, ":", o.http_port,
                " (in use?)");
    port_ = o.http_port;
  }
  thread_ = std::thread([this] { http_->listen_after_bind(); });
}

void HttpFrontend::stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace segrt::server
