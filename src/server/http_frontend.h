// The HTTP/REST front end (cpp-httplib): the Open Inference Protocol v2 routes
// with JSON and binary tensor data, the repository index, the segmentation
// route, /metrics. Auth runs before routing, so a bad token costs no work.
//
//   HttpFrontend http(server);
//   http.start();   // binds (throws segrt::Error when it cannot), serves on its own thread
//   http.stop();
#pragma once
#include <memory>
#include <thread>

#include "server/server.h"

namespace httplib {
class Server;
}

namespace segrt::server {

class HttpFrontend {
 public:
  explicit HttpFrontend(Server& server);
  ~HttpFrontend();
  void start();
  void stop();
  int port() const { return port_; }

 private:
  void add_routes();
  Server& srv_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace segrt::server
