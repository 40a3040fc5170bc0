// segrt inspect MODEL: inputs, outputs, then one row per layer (name, op,
// output shape, parameters, multiply-adds) and totals, on the canonical graph
// specialised to concrete input shapes.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "ir/cost.h"
#include "runtime/engine_impl.h"

namespace segrt::cli {

namespace {

struct InspectArgs {
  std::string model;
  std::string shape;
  int batch = 1;
  std::string weights;
  bool trusted = false;
};

std::string human(int64_t v) {
  char buf[32];
  if (v >= 1000000000) std::snprintf(buf, sizeof buf, "%.2fG", v / 1e9);
  else if (v >= 1000000) std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else if (v >= 1000) std::snprintf(buf, sizeof buf, "%.1fK", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  return buf;
}

void print_io(const char* what, const Graph& g, const std::vector<int>& ids) {
  std::cout << what << ":\n";
  for (int id : ids) {
    const Value& v = g.value(id);
    std::cout << "  " << v.name << "  " << dtype_name(v.dtype) << " "
              << (v.shape_known ? shape_str(v.shape) : std::string("(unknown shape)"));
    if (v.layout != Layout::Plain) std::cout << " " << layout_name(v.layout);
    std::cout << "\n";
  }
}

// NaN / Inf in weights are legal (a model may mean them) but almost always a
// training accident, so inspect names every tensor holding them.
void report_non_finite(const Graph& model) {
  for (const Value& v : model.values) {
    if (!v.is_constant() || !dtype_is_float(v.constant.dtype())) continue;
    Tensor f = v.constant.to_f32();
    const float* p = f.data<float>();
    int64_t nan = 0, inf = 0;
    for (int64_t i = 0; i < f.numel(); ++i) {
      if (std::isnan(p[i])) ++nan;
      else if (std::isinf(p[i])) ++inf;
    }
    if (nan || inf)
      std::cout << "warning: weight '" << v.name << "' " << shape_str(v.constant.shape()) << " holds " << nan
                << " NaN and " << inf << " Inf values\n";
  }
}

void inspect(const InspectArgs& a) {
  Options o;
  o.backend = "ref";
  o.weights = a.weights;
  o.isolate_import = !a.trusted;
  Engine e = Engine::load(a.model, o);
  const Graph& model = e.impl().model;
  std::cout << "model: " << a.model << " (" << model.format << (model.producer.empty() ? "" : ", " + model.producer)
            << ")\n";
  print_io("inputs", model, model.inputs);
  print_io("outputs", model, model.outputs);
  report_non_finite(model);

  // Fix the dynamic dims: batch from --batch, spatial dims from --shape.
  std::vector<Shape> shapes;
  std::vector<int64_t> hw;
  if (!a.shape.empty()) hw = parse_hw(a.shape);
  bool guessed = false;
  for (int id : model.inputs) {
    Shape s = model.value(id).shape;
    for (size_t d = 0; d < s.size(); ++d) {
      if (s[d] >= 0) continue;
      if (d == 0) s[d] = a.batch;
      else if (!hw.empty() && s.size() >= 3) {
        // Spatial dims are the last two for NCHW and the middle two for NHWC.
        bool nhwc = model.value(id).layout == Layout::NHWC;
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
  PassLog log;
  Graph g;
  try {
    g = specialize(model, shapes, log);
  } catch (const Error&) {
    // The guess may not fit the network (a stride or a fixed skip size); say so.
    if (guessed) std::cerr << "note: the dynamic dimensions were set to 256; pass --shape HxW for a size this network takes\n";
    throw;
  }

  std::printf("\n%-40s %-20s %-22s %12s %12s\n", "layer", "op", "output shape", "params", "MACs");
  int64_t total_params = 0, total_macs = 0;
  for (const Node& n : g.nodes) {
    int64_t p = node_params(g, n), m = node_macs(g, n);
    total_params += p;
    total_macs += m;
    std::string op = n.source_op.empty() || n.source_op == op_name(n.op)
                         ? std::string(op_name(n.op))
                         : n.source_op + ">" + op_name(n.op);
    std::string shape = n.outputs.empty() ? "" : shape_str(g.value(n.outputs[0]).shape);
    std::printf("%-40s %-20s %-22s %12lld %12s\n", n.name.c_str(), op.c_str(), shape.c_str(),
                static_cast<long long>(p), human(m).c_str());
  }
  std::printf("\ntotal: %zu layers, %lld parameters (%s), %lld multiply-adds (%s) per run at %s\n", g.nodes.size(),
              static_cast<long long>(total_params), human(total_params).c_str(), static_cast<long long>(total_macs),
              human(total_macs).c_str(), shape_str(shapes.empty() ? Shape{} : shapes[0]).c_str());
}

}  // namespace

void add_inspect_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show a model's inputs, outputs and per-layer shapes, parameters and MACs");
  cmd->add_option("model", args->model, "model file (.onnx, .h5, .keras, .json)")->required();
  cmd->add_option("--shape", args->shape, "spatial size HxW for dynamic dimensions");
  cmd->add_option("--batch", args->batch, "batch size for a dynamic batch dimension")->capture_default_str();
  cmd->add_option("--weights", args->weights, "weights file for a Keras architecture JSON");
  cmd->add_flag("--trusted", args->trusted, "parse a Keras (HDF5) model in this process, not in a limited child process");
  cmd->callback([args, exit_code] {
    inspect(*args);
    *exit_code = 0;
  });
}

}  // namespace segrt::cli
