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

// The graph specialised with its dynamic batch set to `batch` and dynamic
// spatial dims to `spatial`; value ids match g's.
Graph specialize_at(const Graph& g, int64_t batch, int64_t spatial) {
  std::vector<Shape> shapes;
  for (int id : g.inputs) {
    Shape s = g.value(id).shape;
    for (size_t d = 0; d < s.size(); ++d)
      if (s[d] < 0) s[d] = d == 0 ? batch : spatial;
    shapes.push_back(s);
  }
  PassLog quiet;
  return specialize(g, shapes, quiet);
}

// Sample sizes for dynamic spatial dims: networks with skip connections take
// only some (a multiple of 2^depth, or odd sizes that pool evenly).
constexpr int64_t kSampleSizes[] = {256, 512, 384, 320, 224, 192, 128, 96, 64, 48, 32, 24, 16};

// Specialisations at up to `want` different sample sizes (at least one, else
// the first size's error, with the remedy).
std::vector<Graph> probes(const Graph& g, size_t want, bool dynamic) {
  std::vector<Graph> out;
  std::string first_error;
  for (int64_t s : kSampleSizes) {
    try {
      out.push_back(specialize_at(g, out.empty() ? 1 : 2, s));
    } catch (const NeedsConstant&) {
      throw;
    } catch (const Error& e) {
      if (first_error.empty()) first_error = e.what();
      if (e.kind() != ErrorKind::InvalidModel && e.kind() != ErrorKind::InvalidInput) throw;
      continue;
    }
    if (out.size() == want || !dynamic) return out;
  }
  if (!out.empty()) return out;
  SEGRT_FAIL(InvalidModel, "export infers shapes at sample input sizes and none fit (", first_error,
             "); give a size this network takes with --shape HxW");
}

// Shapes and dtypes of every computed value, from probes at two sizes: a
// dimension both agree on is fixed, the others are -1. Also proves that
// segrt can still run the rewritten graph.
void fill_shapes(Graph& g, bool dynamic) {
  std::vector<Graph> p = probes(g, 2, dynamic);
  const Graph& a = p[0];
  const Graph& b = p.back();
  const bool one = p.size() == 1 && dynamic;  // only one size fits: its dims stay fixed only where not input-driven
  for (size_t id = 0; id < g.values.size() && id < a.values.size(); ++id) {
    const Value& va = a.values[id];
    const Value& vb = b.values[id];
    Value& v = g.values[id];
    if (v.is_constant() || !va.shape_known || !vb.shape_known || va.shape.size() != vb.shape.size()) continue;
    v.dtype = va.dtype;
    v.shape = va.shape;
    for (size_t d = 0; d < v.shape.size(); ++d)
      if (va.shape[d] != vb.shape[d] || one) v.shape[d] = -1;
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
    fill_shapes(g, dynamic);
    std::vector<int> ranks(g.values.size(), -1);
    for (size_t id = 0; id < ranks.size(); ++id)
      if (g.values[id].shape_known) ranks[id] = static_cast<int>(g.values[id].shape.size());
    if (o.nchw) convert_to_nchw(g, ranks, o.nchw_io, log);
    else wrap_nhwc_ops(g, ranks, log);
  }
  lower_for_opset(g, o.opset, log);
  fill_shapes(g, dynamic);
  if (o.fp16) convert_to_fp16(g, log);
  return g;
}

}  // namespace segrt
