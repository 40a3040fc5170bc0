// segrt bench MODEL: latency and throughput in the manner of trtexec. Random
// inputs at --batch / --shape, --warmup untimed runs, then --iterations timed
// ones; prints median / p90 / p99, images/s, GFLOP/s, memory, and with --json
// a last line holding one JSON object (the fields scripts compare on).
// --device-io keeps inputs and outputs in device memory (as trtexec's
// --noDataTransfers): the timed loop is then compute alone. Host inputs and
// outputs live in the engine's host buffers (pinned on the GPU, as trtexec's);
// --pageable uses ordinary memory (what Engine::run on a Tensor copies from).
// --streams N adds N threads running at once, each on its own context.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

#include "commands.h"

namespace segrt::cli {

namespace {

struct BenchArgs {
  std::string model;
  int batch = 1;
  std::string shape;  // HxW; default: the model's own dims, else 256x256
  int iterations = 20;
  int warmup = 3;
  bool json = false;
  bool device_io = false;
  int streams = 1;  // > 1: also N threads, each on its own context, at once
  bool pageable = false;  // host bindings in ordinary memory, not the engine's (pinned) host buffers
  EngineFlags flags;
};

// A float input of the declared shape with batch and spatial dims filled in.
Tensor make_input(const TensorInfo& in, const BenchArgs& a, uint32_t seed) {
  SEGRT_CHECK(in.dtype == DType::f32, Unsupported, "bench feeds float32 inputs; input '", in.name, "' is ",
              dtype_name(in.dtype));
  Shape s = in.shape;
  if (!s.empty()) s[0] = a.batch;
  if (s.size() == 4) {
    bool nhwc = in.layout == Layout::NHWC;
    int h = nhwc ? 1 : 2, c = nhwc ? 3 : 1;
    std::vector<int64_t> hw = {s[h] > 0 ? s[h] : 256, s[h + 1] > 0 ? s[h + 1] : 256};
    if (!a.shape.empty()) hw = parse_hw(a.shape);
    s[h] = hw[0];
    s[h + 1] = hw[1];
    if (s[c] < 0) s[c] = 3;
  }
  for (auto& d : s)
    SEGRT_CHECK(d > 0 || &d == &s[0], InvalidInput, "input '", in.name, "' has a dynamic dimension bench cannot guess: ",
                shape_str(in.shape));
  Tensor t(DType::f32, s, in.layout);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = u(rng);
  return t;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  double pos = q * (v.size() - 1);
  size_t lo = static_cast<size_t>(pos);
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

size_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<size_t>(u.ru_maxrss) * 1024;  // Linux reports KiB
}

std::string json_str(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) r += c;
  }
  return r + "\"";
}

// A context with its own inputs (copies of `in`) and outputs bound, in host
// memory or (device_io) device buffers.
struct Bound {
  Context ctx;
  std::vector<Tensor> out;
  std::vector<DeviceBuffer> dev;
  std::vector<HostBuffer> host;
};

// Host bindings go through the engine's host buffers (pinned on the GPU, as
// trtexec's) unless --pageable; device I/O through device buffers.
Bound bind_context(Engine& e, const std::vector<Shape>& shapes, std::vector<Tensor>& in, bool device_io, bool pageable) {
  Bound b{e.create_context(shapes), {}, {}, {}};
  for (size_t i = 0; i < in.size(); ++i) {
    if (!device_io && !pageable) {
      b.host.push_back(e.allocate_host(in[i].nbytes()));
      std::memcpy(b.host.back().data(), in[i].raw(), in[i].nbytes());
      b.ctx.bind_input(i, b.host.back().view(in[i].dtype(), in[i].shape()));
    } else if (device_io) {
      b.dev.push_back(e.allocate_device(in[i].nbytes()));
      b.dev.back().copy_from_host(in[i].raw(), in[i].nbytes());
      b.ctx.bind_input(i, b.dev.back().view(in[i].dtype(), in[i].shape()));
    } else {
      b.ctx.bind_input(i, TensorView::of(in[i]));
    }
  }
  for (size_t k = 0; k < b.ctx.outputs().size(); ++k) {
    const TensorInfo& o = b.ctx.outputs()[k];
    b.out.emplace_back(o.dtype, o.shape, o.layout);
    if (!device_io && !pageable) {
      b.host.push_back(e.allocate_host(b.out.back().nbytes()));
      b.ctx.bind_output(k, b.host.back().view(o.dtype, o.shape));
    } else if (device_io) {
      b.dev.push_back(e.allocate_device(b.out.back().nbytes()));
      b.ctx.bind_output(k, b.dev.back().view(o.dtype, o.shape));
    } else {
      b.ctx.bind_output(k, TensorView::of(b.out.back()));
    }
  }
  return b;
}

// --streams N: N threads, each with its own context, enqueue/wait in a loop
// for `iterations` runs; images per second over all of them.
double concurrent_ips(Engine& e, const std::vector<Shape>& shapes, std::vector<Tensor>& in, const BenchArgs& a) {
  std::vector<Bound> ctx;
  for (int t = 0; t < a.streams; ++t) ctx.push_back(bind_context(e, shapes, in, a.device_io, a.pageable));
  for (auto& b : ctx)
    for (int i = 0; i < std::max(a.warmup, 2); ++i) {  // each context captures its graph
      b.ctx.enqueue();
      b.ctx.wait();
    }
  std::vector<std::thread> pool;
  auto t0 = std::chrono::steady_clock::now();
  for (auto& b : ctx)
    pool.emplace_back([&b, &a] {
      for (int i = 0; i < a.iterations; ++i) {
        b.ctx.enqueue();
        b.ctx.wait();
      }
    });
  for (auto& th : pool) th.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(a.streams) * a.iterations * a.batch / s;
}

void bench(const BenchArgs& a) {
  SEGRT_CHECK(a.batch >= 1 && a.iterations >= 1 && a.warmup >= 0, InvalidInput,
              "--batch and --iterations must be >= 1, --warmup >= 0");
  Engine e = Engine::load(a.model, a.flags.options());
  std::vector<Tensor> in;
  std::vector<Shape> shapes;
  for (const auto& d : e.inputs()) {
    in.push_back(make_input(d, a, static_cast<uint32_t>(in.size() + 1)));
    shapes.push_back(in.back().shape());
  }
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  e.run(in);  // specialises and compiles for this shape
  double first_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  for (int i = 0; i < a.warmup; ++i) e.run(in);
  // The timed runs go through one explicit context (the one the runs above
  // warmed up and left in the pool), bound to host tensors or device buffers.
  Bound one = bind_context(e, shapes, in, a.device_io, a.pageable);
  Context& ctx = one.ctx;
  for (int i = 0; i < std::max(a.warmup, 2); ++i) {  // new bindings: a context may capture its graph again
    ctx.enqueue();
    ctx.wait();
  }
  std::vector<double> ms, compute, h2d, d2h;
  for (int i = 0; i < a.iterations; ++i) {
    auto s = clock::now();
    ctx.enqueue();
    ctx.wait();
    ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - s).count());
    RunTiming t = ctx.last_timing();
    if (t.compute_ms >= 0) compute.push_back(t.compute_ms);
    if (t.h2d_ms >= 0 && !a.device_io) h2d.push_back(t.h2d_ms);
    if (t.d2h_ms >= 0 && !a.device_io) d2h.push_back(t.d2h_ms);
  }
  double streams_ips = a.streams > 1 ? concurrent_ips(e, shapes, in, a) : 0;
  PlanInfo plan = e.plan_info(shapes);
  int64_t macs = plan.macs;
  double median = percentile(ms, 0.5), p90 = percentile(ms, 0.9), p99 = percentile(ms, 0.99);
  double ips = a.batch * 1000.0 / median;
  double gflops = 2.0 * macs / (median * 1e6);
  size_t device_peak = plan.shared_device_bytes + plan.context_device_bytes;
  size_t peak = device_peak ? device_peak : peak_rss_bytes();
  std::string shape_s = shape_str(shapes.at(0));

  std::printf("model      %s\nbackend    %s (%s), precision %s, input %s\n", a.model.c_str(), e.backend().c_str(),
              e.device_name().c_str(),
              (a.flags.precision + (a.flags.calibration.empty() ? "" : " + int8/fp8 table " + a.flags.calibration)).c_str(),
              shape_s.c_str());
  std::printf("first run  %.1f ms (specialise + compile + run)\n", first_ms);
  std::printf("latency    median %.3f ms, p90 %.3f ms, p99 %.3f ms, min %.3f ms (%d iterations)\n", median, p90, p99,
              percentile(ms, 0), a.iterations);
  std::printf("throughput %.2f images/s, %.1f GFLOP/s (%.2f GMAC per run)\n", ips, gflops, macs / 1e9);
  if (a.streams > 1)
    std::printf("streams    %d at once: %.2f images/s (x%.2f of one)\n", a.streams, streams_ips, streams_ips / ips);
  if (!compute.empty())
    std::printf("compute    median %.3f ms%s\n", percentile(compute, 0.5),
                a.device_io ? " (device I/O: inputs and outputs stay on the device)" : "");
  if (!h2d.empty()) std::printf("copies     h2d median %.3f ms, d2h median %.3f ms\n", percentile(h2d, 0.5),
                                d2h.empty() ? 0.0 : percentile(d2h, 0.5));
  std::printf("memory     peak %s %.1f MiB; activations planned %.1f MiB (unplanned %.1f MiB)\n",
              device_peak ? "device" : "RSS", peak / 1048576.0, plan.planned_bytes / 1048576.0,
              plan.unplanned_bytes / 1048576.0);
  if (!a.json) return;
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"model\":%s,\"backend\":%s,\"device_name\":%s,\"precision\":%s,\"batch\":%d,\"input_shape\":%s,"
                "\"iterations\":%d,\"median_ms\":%.4f,\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"min_ms\":%.4f,"
                "\"throughput_ips\":%.3f,\"gmacs\":%.4f,\"gflops_per_s\":%.2f,\"peak_memory_bytes\":%zu,"
                "\"peak_rss_bytes\":%zu,\"planned_bytes\":%zu,\"unplanned_bytes\":%zu,\"first_run_ms\":%.2f",
                json_str(a.model).c_str(), json_str(e.backend()).c_str(), json_str(e.device_name()).c_str(),
                json_str(a.flags.precision).c_str(), a.batch, json_str(shape_s).c_str(), a.iterations, median, p90,
                p99, percentile(ms, 0), ips, macs / 1e9, gflops, peak, peak_rss_bytes(), plan.planned_bytes,
                plan.unplanned_bytes, first_ms);
  std::string line = buf;
  auto field = [&](const char* name, const std::vector<double>& v) {
    if (v.empty()) return;
    std::snprintf(buf, sizeof buf, ",\"%s\":%.4f", name, percentile(v, 0.5));
    line += buf;
  };
  field("compute_ms", compute);
  field("h2d_ms", h2d);
  field("d2h_ms", d2h);
  if (a.device_io) line += ",\"device_io\":true";
  if (a.pageable) line += ",\"pageable\":true";
  if (a.streams > 1) {
    std::snprintf(buf, sizeof buf, ",\"streams\":%d,\"streams_throughput_ips\":%.3f", a.streams, streams_ips);
    line += buf;
  }
  std::cout << line << "}" << std::endl;
}

}  // namespace

void add_bench_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Time a model on random inputs (latency percentiles, throughput, memory)");
  add_model_argument(cmd, args->model);
  cmd->add_option("--batch", args->batch, "images per run")->capture_default_str();
  cmd->add_option("--shape", args->shape, "input height x width, e.g. 512x512 (default: the model's, else 256x256)");
  cmd->add_option("--iterations,-n", args->iterations, "timed runs")->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "untimed runs after the first")->capture_default_str();
  cmd->add_flag("--device-io", args->device_io,
                "inputs and outputs stay in device memory (no transfers timed; cuda backend)");
  cmd->add_flag("--pageable", args->pageable,
                "host inputs and outputs in ordinary (pageable) memory instead of the engine's pinned host buffers");
  cmd->add_option("--streams", args->streams,
                  "also run N threads at once, each on its own execution context (as trtexec --streams), and report "
                  "their total images/s")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--json", args->json, "end with one line of JSON (median_ms, p90_ms, p99_ms, throughput_ips, ...)");
  args->flags.add_to(cmd);
  cmd->callback([args, exit_code] {
    bench(*args);
    *exit_code = 0;
  });
}

}  // namespace segrt::cli
