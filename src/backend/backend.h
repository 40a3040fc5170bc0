// The backend interface (after ggml's): a backend answers supports() for each
// node (whether it can run it at all, natively or through the reference
// kernel; its op tables are filled by the registrations beside each op's
// code), says which activations it fuses into which producers, applies its
// private rewrites (rewrite()) and compiles a specialised graph (all shapes
// concrete, constants folded) into an Executable.
//
//   auto be = make_backend("ref");
//   auto exe = be->compile(graph, options);
//   std::vector<Tensor> outs = exe->run(inputs, nullptr);
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pass.h"

namespace segrt {

// The observation hook (used by `segrt compare`, --dump-activations and
// tests): called after a node with each of its outputs, as float32 host
// tensors in the value's own layout. Executables skip all work for it when null.
using Observer = std::function<void(const Graph& g, const Node& n, int value_id, const Tensor& t)>;

struct CompileOptions {
  std::string precision = "fp32";  // fp32 | tf32 | fp16 | bf16
  int device = 0;
  int threads = 0;                 // 0: all cores
  bool verbose = false;
};

class Executable {
 public:
  virtual ~Executable() = default;
  // Inputs in graph-input order, float32/int64 host tensors in the model's own
  // layout; returns outputs in graph-output order.
  virtual std::vector<Tensor> run(const std::vector<Tensor>& inputs, const Observer* observer) = 0;
  // Bytes the backend planned for activations and the naive sum (for reports).
  virtual size_t planned_bytes() const { return 0; }
  virtual size_t unplanned_bytes() const { return 0; }
  // Timing of the last run() for `segrt bench`, split where the backend can
  // measure it (a GPU backend: compute vs host<->device copies); a field < 0
  // was not measured. peak_device_bytes: most device memory held (0 on host).
  struct Timing {
    double compute_ms = -1, h2d_ms = -1, d2h_ms = -1;
  };
  virtual Timing last_timing() const { return {}; }
  virtual size_t peak_device_bytes() const { return 0; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // False with a reason when the backend cannot run here (no GPU, old driver).
  virtual bool available(std::string* why) const {
    (void)why;
    return true;
  }
  virtual std::string device_name() const { return "host CPU"; }
  // False with a reason (op, attribute value or dtype) when the node cannot run.
  virtual bool supports(const Graph& g, const Node& n, std::string* why) const = 0;
  virtual std::unique_ptr<Executable> compile(const Graph& g, const CompileOptions& opts) = 0;

  // Whether the backend computes `act` inside `producer` (asked by fuse_activation,
  // through pass_options()); an activation it declines stays a node of its own.
  virtual bool can_fuse_activation(const Graph& g, const Node& producer, const Activation& act) const {
    (void)g, (void)producer, (void)act;
    return true;
  }
  PassOptions pass_options() const {
    return {.fusible = [this](const Graph& g, const Node& p, const Activation& a) { return can_fuse_activation(g, p, a); }};
  }
  // The backend's private rewrites (the one hook for them) on a specialised,
  // optimised graph: what compile() runs, so `inspect` can show it. Logged to `log`.
  virtual void rewrite(Graph& g, const CompileOptions& opts, PassLog& log) const { (void)g, (void)opts, (void)log; }
};

using BackendFactory = std::unique_ptr<Backend> (*)();
bool register_backend(const char* name, BackendFactory factory);
// Throws Unsupported naming the backends that are built in.
std::unique_ptr<Backend> make_backend(const std::string& name);
std::vector<std::string> backend_names();

}  // namespace segrt
