// Concurrent gRPC load on a running segrt serve: C client threads, each with
// its own channel, sending ModelInfer ([batch,1,h,w] FP32 in raw contents)
// back to back for S seconds; prints requests/s, images/s and latency
// percentiles. C++ so the client, not Python, is never the limit on a GPU server.
//
//   segrt_grpc_load --target 127.0.0.1:8001 --clients 64 --shape 256x256 --seconds 20 [--batch 1] [--token T]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "grpc_predict_v2.grpc.pb.h"

int main(int argc, char** argv) {
  std::string target = "127.0.0.1:8001", model = "membrane", input = "image", shape = "256x256", token;
  int clients = 64, batch = 1;
  double seconds = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--target") target = v;
    else if (k == "--model") model = v;
    else if (k == "--input") input = v;
    else if (k == "--shape") shape = v;
    else if (k == "--token") token = v;
    else if (k == "--clients") clients = std::stoi(v);
    else if (k == "--batch") batch = std::stoi(v);
    else if (k == "--seconds") seconds = std::stod(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  int h = 0, w = 0;
  if (std::sscanf(shape.c_str(), "%dx%d", &h, &w) != 2) return 2;
  inference::ModelInferRequest req;
  req.set_model_name(model);
  auto* in = req.add_inputs();
  in->set_name(input);
  in->set_datatype("FP32");
  for (int64_t d : {int64_t(batch), int64_t(1), int64_t(h), int64_t(w)}) in->add_shape(d);
  std::vector<float> data(size_t(batch) * h * w, 0.5f);
  req.add_raw_input_contents(data.data(), data.size() * sizeof(float));

  auto stop = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::mutex mu;
  std::vector<double> lat;
  std::atomic<long> errors{0};
  std::string first_error;
  std::vector<std::thread> threads;
  auto t0 = std::chrono::steady_clock::now();
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      grpc::ChannelArguments args;
      args.SetMaxSendMessageSize(1 << 30);
      args.SetMaxReceiveMessageSize(1 << 30);
      args.SetInt("grpc.channel_id", c);  // one connection per client, not one shared
      auto ch = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
      auto stub = inference::GRPCInferenceService::NewStub(ch);
      std::vector<double> mine;
      while (std::chrono::steady_clock::now() < stop) {
        grpc::ClientContext ctx;
        if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
        inference::ModelInferResponse resp;
        auto s0 = std::chrono::steady_clock::now();
        grpc::Status st = stub->ModelInfer(&ctx, req, &resp);
        if (st.ok()) {
          mine.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count());
        } else {
          ++errors;
          std::lock_guard<std::mutex> lk(mu);
          if (first_error.empty()) first_error = st.error_message();
        }
      }
      std::lock_guard<std::mutex> lk(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
    });
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double f) { return lat.empty() ? 0.0 : 1000 * lat[std::min(lat.size() - 1, size_t(f * lat.size()))]; };
  std::printf("segrt-grpc: %zu requests in %.1f s: %.1f req/s, %.1f images/s; p50 %.2f ms p99 %.2f ms; errors %ld%s%s\n",
              lat.size(), secs, lat.size() / secs, lat.size() * batch / secs, pct(0.5), pct(0.99), errors.load(),
              first_error.empty() ? "" : ": ", first_error.c_str());
  return errors.load() && lat.empty() ? 1 : 0;
}
