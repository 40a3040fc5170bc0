// Graph -> ONNX ModelProto -> file. The graph has been prepared (export.h):
// every op is an ONNX op of the target opset with NCHW layout. What remains
// here is ONNX *encoding* that changed across opsets (ReduceMean axes moved to
// an input at 18, Split's num_outputs arrived at 18, Resize gained attributes
// at 18), dtype codes, names and initializers.
#include <onnx/onnx_pb.h>

#include <fstream>
#include <set>

#include "export/export.h"
#include "export/onnx_proto_util.h"
#include "segrt/version.h"

namespace segrt {

namespace {

// ONNX IR version released with each opset (onnx 1.8 .. 1.18), the lowest a
// reader must accept: readers refuse newer IR versions than they know.
int64_t ir_version_for(int opset) {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

// Float-typed ONNX attributes a translator may have stored as an integer.
bool is_float_attr(const std::string& k) {
  static const std::set<std::string> f = {"alpha", "beta", "gamma", "epsilon", "momentum", "cubic_coeff_a",
                                          "extrapolation_value", "value_float", "lambd", "bias", "ratio"};
  return f.count(k) != 0;
}

// IR attributes that are not ONNX attributes: passes must have resolved them.
bool is_internal_attr(const std::string& k) {
  return k == "layout" || k == "legacy_flatten" || k.rfind("fused_", 0) == 0 || k.rfind("segrt_", 0) == 0 ||
         k == "in_place";
}

class Writer {
 public:
  Writer(const Graph& g, const ExportOptions& o) : g_(g), o_(o) {}

  onnx::ModelProto build() {
    onnx::ModelProto m;
    m.set_ir_version(ir_version_for(o_.opset));
    m.set_producer_name("segrt");
    m.set_producer_version(SEGRT_VERSION_STRING);
    auto* os = m.add_opset_import();
    os->set_domain("");
    os->set_version(o_.opset);
    if (!g_.producer.empty()) m.set_doc_string("exported by segrt from " + g_.format + " (" + g_.producer + ")");
    onnx::GraphProto* gp = m.mutable_graph();
    gp->set_name(onnx_export::graph_name(g_));
    assign_names();
    for (int id : g_.inputs) write_value_info(gp->add_input(), id, true);
    write_initializers(gp);
    for (const Node& n : g_.nodes) write_node(gp, n);
    for (int id : g_.outputs) write_value_info(gp->add_output(), id, false);
    return m;
  }

 private:
  const Graph& g_;
  const ExportOptions& o_;
  std::vector<std::string> names_;  // per value id
  std::set<std::string> node_names_;
  int extra_ = 0;

  // Graph inputs and outputs keep their names (callers bind them); the rest
  // keep the source's names with --keep-names, else get short ones.
  void assign_names() {
    names_.assign(g_.values.size(), "");
    std::set<std::string> used;
    auto claim = [&](int id, const std::string& want) {
      std::string n = want;
      for (int k = 1; used.count(n); ++k) n = want + "_" + std::to_string(k);
      used.insert(n);
      names_[id] = n;
    };
    for (int id : g_.inputs) claim(id, g_.value(id).name);
    for (int id : g_.outputs)
      if (names_[id].empty()) claim(id, g_.value(id).name);
    int t = 0, c = 0;
    auto short_name = [](char prefix, int k) { return std::string(1, prefix).append(std::to_string(k)); };
    for (const Node& n : g_.nodes) {
      for (int in : n.inputs)
        if (in >= 0 && names_[in].empty()) claim(in, o_.keep_names ? g_.value(in).name : short_name('c', c++));
      for (int out : n.outputs)
        if (names_[out].empty()) claim(out, o_.keep_names ? g_.value(out).name : short_name('t', t++));
    }
  }

  // ONNX's checker wants a shape on every graph input and output; dynamic
  // dims get names (batch / height / width on inputs, unique names on outputs,
  // whose sizes may differ from the inputs').
  void write_value_info(onnx::ValueInfoProto* vi, int id, bool is_input) {
    const Value& v = g_.value(id);
    vi->set_name(names_[id]);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx_export::onnx_dtype(v.dtype));
    SEGRT_CHECK(v.shape_known, Internal, "the shape of '", v.name, "' is unknown at export");
    auto* sh = tt->mutable_shape();
    for (size_t d = 0; d < v.shape.size(); ++d) {
      auto* dim = sh->add_dim();
      if (v.shape[d] >= 0) dim->set_dim_value(v.shape[d]);
      else if (is_input || d == 0) dim->set_dim_param(onnx_export::dim_param_name(v, static_cast<int>(d)));
      else dim->set_dim_param(names_[id] + "_dim" + std::to_string(d));
    }
  }

  void write_initializers(onnx::GraphProto* gp) {
    std::vector<char> read(g_.values.size(), 0);
    for (const Node& n : g_.nodes)
      for (int in : n.inputs)
        if (in >= 0) read[in] = 1;
    for (size_t id = 0; id < g_.values.size(); ++id) {
      const Value& v = g_.value(static_cast<int>(id));
      if (!read[id] || !v.is_constant()) continue;
      onnx_export::tensor_to_proto(v.constant, names_[id], gp->add_initializer());
    }
  }

  std::string node_name(const Node& n) {
    std::string want = o_.keep_names && !n.source_name.empty() ? n.source_name
                       : o_.keep_names                         ? n.name
                                                               : std::string(op_name(n.op)) + "_" +
                                                                     std::to_string(node_names_.size());
    std::string name = want;
    for (int k = 1; node_names_.count(name); ++k) name = want + "_" + std::to_string(k);
    node_names_.insert(name);
    return name;
  }

  // A constant that exists only in the file (an attribute turned input).
  std::string add_i64_initializer(onnx::GraphProto* gp, const std::vector<int64_t>& v, const std::string& hint) {
    std::string name = "export_" + hint + "_" + std::to_string(extra_++);
    onnx_export::tensor_to_proto(Tensor::from_i64(v, {static_cast<int64_t>(v.size())}), name,
                                 gp->add_initializer());
    return name;
  }

  void write_node(onnx::GraphProto* gp, const Node& n) {
    if (has_subgraphs(n.op)) {  // expanded by fold_constants, which runs only at fixed input sizes
      Error e(ErrorKind::Unsupported, std::string(op_name(n.op)) + " is written only once folded away: export with --fold at fixed "
                                      "input sizes (--shape / --batch) where its condition is known");
      throw g_.annotate(e, n);
    }
    onnx::NodeProto* np = gp->add_node();
    np->set_op_type(op_name(n.op));
    np->set_name(node_name(n));
    for (int in : n.inputs) np->add_input(in >= 0 ? names_[in] : std::string());
    while (np->input_size() > 0 && np->input(np->input_size() - 1).empty()) np->mutable_input()->RemoveLast();
    for (int out : n.outputs) np->add_output(names_[out]);
    Attrs a = n.attrs;
    if (a.s("layout", "NCHW") == "NCHW") a.erase("layout");  // ONNX's only layout
    encode_for_opset(gp, np, n, a);
    for (const auto& [k, v] : a.all()) {
      if (is_internal_attr(k)) {
        Error e(ErrorKind::Internal, "attribute '" + k + "' has no ONNX form (an export pass should have resolved it)");
        throw g_.annotate(e, n);
      }
      onnx_export::attr_to_proto(k, v, is_float_attr(k), np->add_attribute());
    }
  }

  [[noreturn]] void refuse(const Node& n, const std::string& why) const {
    Error e(ErrorKind::Unsupported, why + " (opset " + std::to_string(o_.opset) + ")");
    throw g_.annotate(e, n);
  }

  // Attribute <-> input moves and attribute removals between opsets.
  void encode_for_opset(onnx::GraphProto* gp, onnx::NodeProto* np, const Node& n, Attrs& a) {
    const int op = o_.opset;
    // pads beside auto_pad SAME_* / VALID are ignored by ONNX and refused by TensorRT.
    if (a.has("auto_pad")) {
      std::string ap = a.s("auto_pad", "NOTSET");
      if (ap == "NOTSET") a.erase("auto_pad");
      else a.erase("pads");
    }
    switch (n.op) {
      case OpType::ReduceMean:
        if (op >= 18 && a.has("axes")) {
          auto axes = a.ints("axes");
          a.erase("axes");
          np->add_input(add_i64_initializer(gp, axes, "axes"));
        }
        if (op < 18 && a.i("noop_with_empty_axes", 0) != 0) refuse(n, "ReduceMean noop_with_empty_axes needs opset 18");
        if (op < 18) a.erase("noop_with_empty_axes");
        break;
      case OpType::Split:
        if (op < 18 && a.has("num_outputs")) {
          a.erase("num_outputs");
          if (n.inputs.size() < 2 || n.inputs[1] < 0) {
            // Opsets 13-17 split evenly without sizes; name them when the parts differ.
            std::vector<int64_t> sizes;
            bool even = true;
            for (int out : n.outputs) {
              const Value& v = g_.value(out);
              int64_t axis = a.i("axis", 0);
              if (!v.shape_known || v.shape.empty()) { even = false; sizes.clear(); break; }
              if (axis < 0) axis += static_cast<int64_t>(v.shape.size());
              sizes.push_back(v.shape[static_cast<size_t>(axis)]);
            }
            for (int64_t s : sizes) even &= s == sizes[0] && s >= 0;
            if (!even) {
              bool known = !sizes.empty();
              for (int64_t s : sizes) known &= s >= 0;
              if (!known) refuse(n, "an uneven Split of a dynamic axis needs opset 18 (num_outputs)");
              if (np->input_size() < 2) np->add_input(add_i64_initializer(gp, sizes, "split"));
            }
          }
        }
        break;
      case OpType::Resize:
        if (op < 18) {
          if (a.i("antialias", 0) != 0) refuse(n, "Resize antialias needs opset 18");
          if (a.s("keep_aspect_ratio_policy", "stretch") != "stretch")
            refuse(n, "Resize keep_aspect_ratio_policy needs opset 18");
          if (a.has("axes")) refuse(n, "Resize axes need opset 18");
          a.erase("antialias");
          a.erase("keep_aspect_ratio_policy");
        }
        if (op < 19 && a.s("coordinate_transformation_mode", "half_pixel") == "half_pixel_symmetric")
          refuse(n, "Resize half_pixel_symmetric needs opset 19");
        break;
      case OpType::BatchNormalization:
        if (a.i("training_mode", 0) != 0) refuse(n, "BatchNormalization in training mode");
        a.erase("training_mode");
        break;
      case OpType::Reshape:
        if (op < 14 && a.i("allowzero", 0) != 0) refuse(n, "Reshape allowzero needs opset 14");
        if (a.i("allowzero", 0) == 0) a.erase("allowzero");
        break;
      case OpType::Shape:
        if (op < 15 && (a.has("start") || a.has("end"))) refuse(n, "Shape start/end need opset 15");
        break;
      case OpType::Cast:
        onnx_export::cast_to_attr(a);
        break;
      case OpType::Pad:
        if (op < 18 && n.inputs.size() > 3 && n.inputs[3] >= 0) refuse(n, "Pad axes need opset 18");
        if (op < 19 && a.s("mode", "constant") == "wrap") refuse(n, "Pad mode 'wrap' needs opset 19");
        break;
      case OpType::Gelu:
        if (op < 20) refuse(n, "Gelu needs opset 20 (export lowers it to Erf below 20)");
        break;
      case OpType::HardSwish:
        if (op < 14) refuse(n, "HardSwish needs opset 14 (export lowers it below 14)");
        break;
      case OpType::Mish:
        if (op < 18) refuse(n, "Mish needs opset 18 (export lowers it below 18)");
        break;
      default:
        break;
    }
  }
};

}  // namespace

ExportSummary write_onnx(const Graph& g, const ExportOptions& o, const std::string& path) {
  SEGRT_CHECK(o.opset >= kMinExportOpset && o.opset <= kMaxExportOpset, InvalidInput, "opset ", o.opset,
              " cannot be exported (segrt writes opsets ", kMinExportOpset, " to ", kMaxExportOpset, ")");
  Writer w(g, o);
  onnx::ModelProto m = w.build();
  ExportSummary s;
  for (const auto& n : m.graph().node()) s.op_counts[n.op_type()]++;
  s.initializers = static_cast<size_t>(m.graph().initializer_size());
  s.trt = onnx_export::check_tensorrt(m);
  size_t bytes = m.ByteSizeLong();
  SEGRT_CHECK(bytes < (size_t{2} << 30), Unsupported, "the model is ", bytes,
              " bytes; ONNX files over 2 GiB need external data, which segrt does not write");
  s.bytes = static_cast<int64_t>(bytes);
  if (!path.empty()) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    SEGRT_CHECK(f.good(), Io, "cannot write '", path, "'");
    SEGRT_CHECK(m.SerializeToOstream(&f), Io, "writing '", path, "' failed");
    f.close();
    SEGRT_CHECK(f.good(), Io, "writing '", path, "' failed");
  }
  return s;
}

}  // namespace segrt
