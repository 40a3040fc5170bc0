// The export pipeline, IR -> IR (export.h): input sizes, folding, layout,
// opset lowering, fp16. No file format here; onnx_writer.cpp writes the result.
#include <sstream>

#include "export/export.h"
#include "ir/shape.h"
#include "passes/export_passes.h"
#include "runtime/engine_impl.h"

namespace segrt {

namespace {

// Applies --batch / --shape to the graph inputs' declared shapes.
void set_input_sizes(Graph& g, const ExportOptions& o) {
  for (int id : g.inputs) {
    Value& v = g.value(id);
    if (!v.shape_known || v.shape.empty()) continue;
    if (o.batch != 0) v.shape[0] = o.batch;
    if (!o.hw.empty() && v.shape.size() == 4) {
      size_t h = v.layout == Layout::NHWC ? 1 : 2;
      v.shape[h] = o.hw[0];
      v.shape[h + 1] = o.hw[1];
    }
  }
  for (auto& v : g.values)
    if (v.is_constant()) {
      v.shape = v.constant.shape();
      v.dtype = v.constant.dtype();
      v.shape_known = true;
    }
}

bool has_dynamic_input(const Graph& g) {
  for (int id : g.inputs) {
    const Value& v = g.value(id);
    if (!v.shape_known) return true;
    for (int64_t d : v.shape)
      if (d < 0) return true;
  }
  return false;
}

// The graph specialised at a sample size: dynamic batch -> `batch`, dynamic
// spatial dims -> `spatial`. Value ids match g's.
Graph probe(const Graph& g, int64_t batch, int64_t spatial) {
  std::vector<Shape> shapes;
  for (int id : g.inputs) {
    Shape s = g.value(id).shape;
    for (size_t d = 0; d < s.size(); ++d)
      if (s[d] < 0) s[d] = d == 0 ? batch : spatial;
    shapes.push_back(s);
  }
  PassLog quiet;
  try {
    return specialize(g, shapes, quiet);
  } catch (Error& e) {
    std::ostringstream msg;
    msg << "export infers shapes at a sample input size";
    for (const auto& s : shapes) msg << " " << shape_str(s);
    msg << " and failed; give a size this network takes with --shape HxW: " << e.what();
    throw Error(e.kind(), msg.str());
  }
}

// Every value's rank (-1 unknown), from a probe: ranks do not depend on sizes.
std::vector<int> value_ranks(const Graph& g) {
  Graph p = probe(g, 1, 256);
  std::vector<int> ranks(g.values.size(), -1);
  for (size_t id = 0; id < ranks.size() && id < p.values.size(); ++id)
    if (p.values[id].shape_known) ranks[id] = static_cast<int>(p.values[id].shape.size());
  return ranks;
}

// Shapes and dtypes of every computed value, from probes at two sizes: a
// dimension both agree on is fixed, the others are -1. Also proves that
// segrt can still run the rewritten graph.
void fill_shapes(Graph& g, bool dynamic) {
  Graph a = probe(g, 1, 256);
  Graph b = dynamic ? probe(g, 2, 512) : a;
  for (size_t id = 0; id < g.values.size() && id < a.values.size(); ++id) {
    const Value& va = a.values[id];
    const Value& vb = b.values[id];
    Value& v = g.values[id];
    if (v.is_constant() || !va.shape_known || !vb.shape_known || va.shape.size() != vb.shape.size()) continue;
    v.dtype = va.dtype;
    v.shape = va.shape;
    for (size_t d = 0; d < v.shape.size(); ++d)
      if (va.shape[d] != vb.shape[d]) v.shape[d] = -1;
    v.shape_known = true;
  }
}

bool has_nhwc(const Graph& g) {
  for (int id : g.inputs)
    if (g.value(id).layout == Layout::NHWC) return true;
  for (const Node& n : g.nodes)
    if (n.attrs.s("layout", "NCHW") == "NHWC") return true;
  return false;
}

}  // namespace

Graph prepare_for_export(const Graph& model, const ExportOptions& o, PassLog& log) {
  SEGRT_CHECK(o.opset >= kMinExportOpset && o.opset <= kMaxExportOpset, InvalidInput, "opset ", o.opset,
              " cannot be exported (segrt writes opsets ", kMinExportOpset, " to ", kMaxExportOpset, ")");
  Graph g = model;
  set_input_sizes(g, o);
  const bool dynamic = has_dynamic_input(g);
  if (o.fold) {
    if (!dynamic) {
      run_shape_passes(g, log);  // fixed sizes: shape subgraphs fold too
    } else {
      fold_constant_nodes(g, log);
      remove_identity(g, log);
      remove_dead_nodes(g, log);
    }
    fuse_pad_into_conv(g, log);
    fold_batchnorm(g, log);
    remove_dead_nodes(g, log);
  }
  if (has_nhwc(g)) {
    std::vector<int> ranks = value_ranks(g);
    if (o.nchw) convert_to_nchw(g, ranks, o.nchw_io, log);
    else wrap_nhwc_ops(g, ranks, log);
  }
  lower_for_opset(g, o.opset, log);
  fill_shapes(g, dynamic);
  if (o.fp16) convert_to_fp16(g, log);
  return g;
}

}  // namespace segrt
