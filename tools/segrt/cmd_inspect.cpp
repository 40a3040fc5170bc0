// segrt inspect MODEL: inputs, outputs, then one row per layer (name, op,
// output shape, parameters, multiply-adds) and totals, on the canonical graph
// specialised to concrete input shapes. With --verbose or --backend, the plan a
// backend compiles at those shapes: what the passes and the backend's own
// rewrites changed, the nodes that do not run on its own kernels, and the
// rewritten graph it runs (PlanInfo).
#include <cmath>
#include <cstdio>
#include <iostream>

#include "commands.h"

namespace segrt::cli {

namespace {

struct InspectArgs {
  std::string model;
  std::string shape;
  int batch = 1;
  std::string weights;
  bool trusted = false;
  std::string backend, precision = "fp32", calibration;  // backend given or --verbose: show that backend's plan (default ref)
  bool verbose = false;
};

std::string human(int64_t v) {
  char buf[32];
  if (v >= 1000000000) std::snprintf(buf, sizeof buf, "%.2fG", v / 1e9);
  else if (v >= 1000000) std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else if (v >= 1000) std::snprintf(buf, sizeof buf, "%.1fK", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  return buf;
}

void print_io(const char* what, const std::vector<TensorInfo>& ios) {
  std::cout << what << ":\n";
  for (const TensorInfo& v : ios) {
    std::cout << "  " << v.name << "  " << dtype_name(v.dtype) << " "
              << (v.shape_known ? shape_str(v.shape) : std::string("(unknown shape)"));
    if (v.layout != Layout::Plain) std::cout << " " << layout_name(v.layout);
    std::cout << "\n";
  }
}


void print_layers(const std::vector<LayerInfo>& layers) {
  std::printf("\n%-40s %-20s %-22s %12s %12s\n", "layer", "op", "output shape", "params", "MACs");
  for (const LayerInfo& l : layers)
    std::printf("%-40s %-20s %-22s %12lld %12s\n", l.name.c_str(), l.op.c_str(), shape_str(l.output_shape).c_str(),
                static_cast<long long>(l.params), human(l.macs).c_str());
}

void print_lines(const char* title, const std::vector<std::string>& lines, const char* none) {
  std::cout << "\n" << title << ":\n";
  if (lines.empty()) std::cout << "  " << none << "\n";
  for (const std::string& l : lines) std::cout << "  " << l << "\n";
}

// The plan of --backend at these shapes: passes, backend rewrites, fallbacks, the graph it runs.
void print_plan(Engine& e, const std::vector<Shape>& shapes) {
  PlanInfo p = e.plan_info(shapes);
  std::cout << "\nplan: backend " << e.backend() << " (" << e.device_name() << "), precision "
            << e.options().precision << "\n";
  print_lines("passes", p.passes, "(nothing rewritten)");
  print_lines("backend rewrites", p.rewrites, "(none)");
  print_lines("not on the backend's own kernels", p.fallbacks, "(none: every node runs natively)");
  std::cout << "\nthe graph the backend runs (" << p.layers.size() << " layers):";
  print_layers(p.layers);
}

void inspect(const InspectArgs& a) {
  Options o;
  const bool show_plan = a.verbose || !a.backend.empty();
  o.backend = a.backend.empty() ? "ref" : a.backend;
  o.precision = a.precision;
  o.weights = a.weights;
  o.isolate_import = !a.trusted;
  o.calibration = a.calibration;  // the plan shows the 8-bit convolutions fuse_qdq_conv makes of it
  Engine e = Engine::load(a.model, o);
  ModelInfo head = e.model_info({}, false);
  const std::vector<TensorInfo>& ins = head.inputs;
  std::cout << "model: " << a.model << " (" << head.format << (head.producer.empty() ? "" : ", " + head.producer)
            << ")\n";
  print_io("inputs", ins);
  print_io("outputs", head.outputs);
  for (const std::string& w : head.warnings) std::cout << "warning: " << w << "\n";

  // Fix the dynamic dims: batch from --batch, spatial dims from --shape.
  std::vector<Shape> shapes;
  std::vector<int64_t> hw;
  if (!a.shape.empty()) hw = parse_hw(a.shape);
  bool guessed = false;
  for (const TensorInfo& in : ins) {
    Shape s = in.shape;
    for (size_t d = 0; d < s.size(); ++d) {
      if (s[d] >= 0) continue;
      if (d == 0) s[d] = a.batch;
      else if (!hw.empty() && s.size() >= 3) {
        // Spatial dims are the last two for NCHW and the middle two for NHWC.
        bool nhwc = in.layout == Layout::NHWC;
        size_t h_axis = nhwc ? s.size() - 3 : s.size() - 2;
        s[d] = d == h_axis ? hw[0] : hw[1];
      } else {
        s[d] = 256;
        guessed = true;
      }
    }
    shapes.push_back(s);
  }
  if (guessed) std::cout << "note: dynamic dimensions set to 256 for this table (use --shape HxW)\n";
  ModelInfo m;
  try {
    m = e.model_info(shapes);
  } catch (const Error&) {
    // The guess may not fit the network (a stride or a fixed skip size); say so.
    if (guessed) std::cerr << "note: the dynamic dimensions were set to 256; pass --shape HxW for a size this network takes\n";
    throw;
  }

  print_layers(m.layers);
  std::printf("\ntotal: %zu layers, %lld parameters (%s), %lld multiply-adds (%s) per run at %s\n", m.layers.size(),
              static_cast<long long>(m.params), human(m.params).c_str(), static_cast<long long>(m.macs),
              human(m.macs).c_str(), shape_str(shapes.empty() ? Shape{} : shapes[0]).c_str());
  if (show_plan) print_plan(e, shapes);
}

}  // namespace

void add_inspect_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show a model's inputs, outputs and per-layer shapes, parameters and MACs");
  add_model_argument(cmd, args->model);
  cmd->add_option("--shape", args->shape, "spatial size HxW for dynamic dimensions");
  cmd->add_option("--batch", args->batch, "batch size for a dynamic batch dimension")->capture_default_str();
  add_weights_option(cmd, args->weights);
  cmd->add_option("-b,--backend", args->backend,
                  "also show this backend's plan (ref, cpu, cuda, auto): as --verbose, which defaults to ref");
  cmd->add_option("-p,--precision", args->precision, "precision of that plan")->capture_default_str();
  cmd->add_flag("-v,--verbose", args->verbose,
                "also show the backend's plan: passes, its own rewrites, nodes not on its own kernels, the rewritten graph");
  cmd->add_flag("--trusted", args->trusted, "parse a Keras (HDF5) model in this process, not in a limited child process");
  cmd->add_option("--calibration", args->calibration, "calibration table (segrt calibrate) applied before the passes");
  cmd->callback([args, exit_code] {
    inspect(*args);
    *exit_code = 0;
  });
}

}  // namespace segrt::cli
