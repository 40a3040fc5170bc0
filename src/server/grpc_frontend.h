// The gRPC front end: inference.GRPCInferenceService of the Open Inference
// Protocol v2 (grpc_predict_v2.proto) over the same Server as HTTP, with the
// same checks, limits and errors (as gRPC status codes).
//
//   GrpcFrontend grpc(server);
//   grpc.start();   // throws segrt::Error when it cannot bind
//   grpc.stop();    // waits for the RPCs in progress
#pragma once
#include <memory>

#include "server/server.h"

namespace grpc {
class Server;
}

namespace segrt::server {

class GrpcService;

class GrpcFrontend {
 public:
  explicit GrpcFrontend(Server& server);
  ~GrpcFrontend();
  void start();
  void stop();
  int port() const { return port_; }

 private:
  Server& srv_;
  std::unique_ptr<GrpcService> service_;
  std::unique_ptr<grpc::Server> grpc_;
  int port_ = 0;
};

}  // namespace segrt::server
