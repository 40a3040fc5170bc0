// gRPC service of the Open Inference Protocol v2 (synchronous API: gRPC's
// own thread pool runs each call; the model queue does the batching).
#include "server/grpc_frontend.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <sstream>
#include <thread>

#include "grpc_predict_v2.grpc.pb.h"
#include "server/grpc_infer_request.h"
#include "segrt/version.h"

namespace segrt::server {

namespace {

grpc::StatusCode grpc_code(Status s) {
  switch (s) {
    case Status::Ok: return grpc::StatusCode::OK;
    case Status::BadRequest: return grpc::StatusCode::INVALID_ARGUMENT;
    case Status::Unauthorized: return grpc::StatusCode::UNAUTHENTICATED;
    case Status::NotFound: return grpc::StatusCode::NOT_FOUND;
    case Status::TooLarge: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case Status::Unavailable: return grpc::StatusCode::UNAVAILABLE;
    case Status::Timeout: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case Status::Internal: return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  SEGRT_CHECK(f, Io, "cannot read '", path, "'");
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

}  // namespace

class GrpcService final : public inference::GRPCInferenceService::Service {
 public:
  explicit GrpcService(Server& srv) : srv_(srv) {}

  grpc::Status ServerLive(grpc::ServerContext* ctx, const inference::ServerLiveRequest*,
                          inference::ServerLiveResponse* r) override {
    return handle(ctx, "ServerLive", [&] { r->set_live(srv_.live()); });
  }
  grpc::Status ServerReady(grpc::ServerContext* ctx, const inference::ServerReadyRequest*,
                           inference::ServerReadyResponse* r) override {
    return handle(ctx, "ServerReady", [&] { r->set_ready(srv_.ready()); });
  }
  grpc::Status ModelReady(grpc::ServerContext* ctx, const inference::ModelReadyRequest* q,
                          inference::ModelReadyResponse* r) override {
    return handle(ctx, "ModelReady", [&] {
      model(q->name(), q->version());
      r->set_ready(srv_.ready());
    });
  }
  grpc::Status ServerMetadata(grpc::ServerContext* ctx, const inference::ServerMetadataRequest*,
                              inference::ServerMetadataResponse* r) override {
    return handle(ctx, "ServerMetadata", [&] {
      r->set_name("segrt");
      r->set_version(segrt::version());
      for (const char* e : {"binary_tensor_data", "model_repository", "segmentation", "metrics"}) r->add_extensions(e);
    });
  }
  grpc::Status ModelMetadata(grpc::ServerContext* ctx, const inference::ModelMetadataRequest* q,
                             inference::ModelMetadataResponse* r) override {
    return handle(ctx, "ModelMetadata", [&] {
      ModelInstance& m = model(q->name(), q->version());
      r->set_name(m.name());
      r->add_versions("1");
      r->set_platform(m.platform());
      for (const auto* list : {&m.inputs(), &m.outputs()})
        for (const auto& t : *list) {
          auto* d = list == &m.inputs() ? r->add_inputs() : r->add_outputs();
          d->set_name(t.name);
          d->set_datatype(dtype_to_v2(t.dtype));
          for (int64_t s : t.shape) d->add_shape(s);
        }
    });
  }
  grpc::Status ModelInfer(grpc::ServerContext* ctx, const inference::ModelInferRequest* q,
                          inference::ModelInferResponse* r) override {
    auto start = Clock::now();
    Status status = Status::Ok;
    grpc::Status st = handle(ctx, "ModelInfer", [&] {
      try {
        Server::InFlight busy(srv_);
        ModelInstance& m = model(q->model_name(), q->model_version());
        std::vector<Tensor> out = srv_.infer(m, grpc_request_inputs(*q));
        std::vector<size_t> chosen;
        for (const auto& o : q->outputs()) {
          size_t i = 0;
          while (i < m.outputs().size() && m.outputs()[i].name != o.name()) ++i;
          if (i == m.outputs().size()) throw ServeError(Status::BadRequest, "unknown output '" + o.name() + "'");
          chosen.push_back(i);
        }
        if (chosen.empty())
          for (size_t i = 0; i < out.size(); ++i) chosen.push_back(i);
        r->set_model_name(m.name());
        r->set_model_version("1");
        r->set_id(q->id());
        // Raw contents for every output, as Triton answers: no per-value encoding.
        for (size_t i : chosen) {
          auto* o = r->add_outputs();
          o->set_name(m.outputs()[i].name);
          o->set_datatype(dtype_to_v2(out[i].dtype()));
          for (int64_t s : out[i].shape()) o->add_shape(s);
          r->add_raw_output_contents(static_cast<const char*>(out[i].raw()), out[i].nbytes());
        }
        ++srv_.metrics().answered_ok;
      } catch (...) {
        std::string message;
        status = status_of_current_exception(&message);  // the metrics' label; the response is guarded's
        throw;
      }
    });
    if (srv_.models().count(q->model_name()))
      srv_.metrics().request(q->model_name(), "grpc", status,
                             std::chrono::duration<double>(Clock::now() - start).count());
    return st;
  }
  grpc::Status RepositoryIndex(grpc::ServerContext* ctx, const inference::RepositoryIndexRequest* q,
                               inference::RepositoryIndexResponse* r) override {
    return handle(ctx, "RepositoryIndex", [&] {
      for (const auto& [name, m] : srv_.models()) {
        if (q->ready() && !srv_.ready()) continue;
        auto* e = r->add_models();
        e->set_name(name);
        e->set_version("1");
        e->set_state("READY");
      }
    });
  }

 private:
  ModelInstance& model(const std::string& name, const std::string& version) {
    ModelInstance& m = srv_.model(name);
    if (!version.empty() && version != "1")
      throw ServeError(Status::NotFound, "model '" + name + "' has no version '" + version + "'");
    return m;
  }

  // Auth first (health calls excepted), then the body; errors become statuses; one access-log line.
  template <class F>
  grpc::Status handle(grpc::ServerContext* ctx, const char* method, F&& body) {
    auto start = Clock::now();
    grpc::Status st = grpc::Status::OK;
    bool health = std::string(method) == "ServerLive" || std::string(method) == "ServerReady";
    try {
      if (!health) {
        auto md = ctx->client_metadata();
        auto it = md.find("authorization");
        std::string auth = it == md.end() ? "" : std::string(it->second.data(), it->second.size());
        if (!srv_.authorized(auth)) throw ServeError(Status::Unauthorized, "missing or wrong bearer token");
      }
      body();
    } catch (...) {
      std::string message;
      Status s = status_of_current_exception(&message);
      st = grpc::Status(grpc_code(s), message);
    }
    AccessEntry e{"grpc", "POST", std::string("/inference.GRPCInferenceService/") + method, ctx->peer(), "",
                  static_cast<int>(st.error_code()), std::chrono::duration<double>(Clock::now() - start).count(), 0,
                  0};
    srv_.log_access(e);
    return st;
  }

  Server& srv_;
};

GrpcFrontend::GrpcFrontend(Server& server) : srv_(server), service_(std::make_unique<GrpcService>(server)) {}

GrpcFrontend::~GrpcFrontend() { stop(); }

void GrpcFrontend::start() {
  const ServerOptions& o = srv_.options();
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (!o.tls_cert.empty()) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({read_file(o.tls_key), read_file(o.tls_cert)});
    creds = grpc::SslServerCredentials(ssl);
  }
  grpc::ServerBuilder b;
  std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  b.AddListeningPort(host + ":" + std::to_string(o.grpc_port), creds, &port_);
  b.RegisterService(service_.get());
  b.SetMaxReceiveMessageSize(static_cast<int>(std::min<size_t>(o.max_request_bytes, INT32_MAX)));
  b.SetMaxSendMessageSize(INT32_MAX);
  // One completion queue per core, so many concurrent clients are not funnelled through one poller.
  b.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS,
                        std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  grpc_ = b.BuildAndStart();
  SEGRT_CHECK(grpc_ && port_ > 0, Io, "gRPC: cannot bind ", o.host, ":", o.grpc_port, " (in use?)");
}

void GrpcFrontend::stop() {
  if (!grpc_) return;
  // Calls in progress finish; new ones are refused.
  grpc_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc_->Wait();
  grpc_.reset();
}

}  // namespace segrt::server
