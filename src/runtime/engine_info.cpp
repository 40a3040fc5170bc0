// What the engine tells about itself: the model's layer table (segrt
// inspect), a compiled plan's figures (segrt bench), log level names, and
// loading a model from bytes in memory.
#include <cmath>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "import/importer.h"
#include "ir/cost.h"
#include "runtime/engine_impl.h"

namespace segrt {

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Notice: return "notice";
    case LogLevel::Warning: return "warning";
  }
  return "?";
}

ModelInfo Engine::model_info(const std::vector<Shape>& input_shapes, bool layers) const {
  const Graph& model = impl_->model;
  ModelInfo m;
  m.file = model.source_file;
  m.format = model.format;
  m.producer = model.producer;
  m.inputs = inputs();
  m.outputs = outputs();
  m.shapes = input_shapes;
  for (const Value& v : model.values) {
    if (!v.is_constant() || !dtype_is_float(v.constant.dtype())) continue;
    int64_t nan = 0, inf = 0;
    for (double x : v.constant.to_f64_vector()) {
      if (std::isnan(x)) ++nan;
      else if (std::isinf(x)) ++inf;
    }
    if (nan || inf)
      m.warnings.push_back("weight '" + v.name + "' " + shape_str(v.constant.shape()) + " holds " +
                           std::to_string(nan) + " NaN and " + std::to_string(inf) + " Inf values");
  }
  if (!layers) return m;
  if (m.shapes.empty())
    for (const TensorInfo& in : m.inputs) {
      Shape s = in.shape;
      for (size_t d = 0; d < s.size(); ++d)
        if (s[d] < 0) s[d] = d == 0 ? 1 : 256;
      m.shapes.push_back(s);
    }
  PassLog log;
  Graph g;
  try {
    impl_->check_shapes(m.shapes, {});
    g = specialize(model, m.shapes, log);
  } catch (Error& e) {
    throw e.with_file(model.source_file);
  }
  for (const Node& n : g.nodes) {
    LayerInfo l;
    l.name = n.name;
    l.op = n.source_op.empty() || n.source_op == op_name(n.op) ? std::string(op_name(n.op))
                                                               : n.source_op + ">" + op_name(n.op);
    if (!n.outputs.empty()) l.output_shape = g.value(n.outputs[0]).shape;
    l.params = node_params(g, n);
    l.macs = node_macs(g, n);
    m.params += l.params;
    m.macs += l.macs;
    m.layers.push_back(std::move(l));
  }
  return m;
}

PlanInfo Engine::plan_info(const std::vector<Shape>& input_shapes) {
  Plan* p = nullptr;
  try {
    impl_->check_shapes(input_shapes, {});
    p = &impl_->plan_for_shapes(input_shapes);
  } catch (Error& e) {
    throw e.with_file(impl_->model.source_file);
  }
  PlanInfo r;
  r.input_shapes = input_shapes;
  r.outputs = p->outputs;
  for (const Node& n : p->graph.nodes) r.macs += node_macs(p->graph, n);
  r.planned_bytes = p->exe->planned_bytes();
  r.unplanned_bytes = p->exe->unplanned_bytes();
  r.shared_device_bytes = p->exe->shared_device_bytes();
  r.context_device_bytes = p->exe->context_device_bytes();
  r.contexts = p->contexts_created();
  r.passes = p->log.lines;
  const Graph& g = p->exe->graph();
  r.rewrites = p->exe->report.rewrites;
  r.fallbacks = p->exe->report.fallbacks;
  for (const Node& n : g.nodes) {
    LayerInfo l;
    l.name = n.name;
    l.op = op_name(n.op);
    if (n.op == OpType::Conv && n.inputs.size() > 3 && n.inputs[3] >= 0) l.op += "+residual";
    std::string act = n.attrs.s("fused_activation", "");
    if (!act.empty()) l.op += "+" + act;
    if (n.op == OpType::Concat && n.attrs.i("in_place", 0)) l.op += " (in place)";
    if (!n.outputs.empty()) l.output_shape = g.value(n.outputs[0]).shape;
    l.params = node_params(g, n);
    l.macs = node_macs(g, n);
    r.layers.push_back(std::move(l));
  }
  return r;
}

// The importers read files (HDF5 and protobuf want paths), so bytes go to a
// private temporary file that is removed at once; errors name `name`.
Graph import_model_bytes(const void* data, size_t size, const std::string& format, const std::string& name,
                         const ImportOptions& io) {
  std::string ext = format == "onnx" ? ".onnx" : format == "h5" ? ".h5" : format == "keras" ? ".keras" : "";
  SEGRT_CHECK(!ext.empty(), InvalidInput, "model format '", format, "' (onnx, h5 or keras)");
  std::error_code ec;
  std::string tmpl = (std::filesystem::temp_directory_path(ec) / "segrt-model-XXXXXX").string() + ext;
  std::vector<char> path(tmpl.begin(), tmpl.end());
  path.push_back('\0');
  int fd = mkstemps(path.data(), static_cast<int>(ext.size()));
  SEGRT_CHECK(fd >= 0, Io, "cannot create a temporary file for the model bytes in ", tmpl);
  std::string p(path.data());
  struct Remove {
    std::string p;
    ~Remove() { std::remove(p.c_str()); }
  } remove{p};
  const char* bytes = static_cast<const char*>(data);
  for (size_t done = 0; done < size;) {
    ssize_t w = ::write(fd, bytes + done, size - done);
    if (w <= 0) {
      ::close(fd);
      SEGRT_FAIL(Io, "cannot write the model bytes to ", p);
    }
    done += static_cast<size_t>(w);
  }
  ::close(fd);
  try {
    Graph g = import_model(p, io);
    g.source_file = name;
    return g;
  } catch (Error& e) {
    Error r(e.kind(), e.detail());
    if (!e.node().empty()) r.with_node(e.node(), e.op());
    throw r.with_file(name);
  }
}

}  // namespace segrt
