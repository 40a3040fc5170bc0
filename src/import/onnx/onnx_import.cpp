// ONNX importer: ModelProto -> Graph. Reads initializers (raw, typed and
// external data), graph inputs with dynamic dims, and translates each node
// through onnx_translate.h. Everything unknown is refused here, at load.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include "core/file.h"
#include "core/uninitialized.h"
#include "import/importer.h"
#include "segrt/npy.h"
#include "import/onnx/onnx_translate.h"

namespace segrt::onnx_import {

// The newest default-domain opset whose changes the translators know (docs/ops.md).
constexpr int64_t kMaxOnnxOpset = 23;

bool dtype_from_onnx(int t, DType* out) {
  switch (t) {
    case onnx::TensorProto::FLOAT: *out = DType::f32; return true;
    case onnx::TensorProto::FLOAT16: *out = DType::f16; return true;
    case onnx::TensorProto::BFLOAT16: *out = DType::bf16; return true;
    case onnx::TensorProto::DOUBLE: *out = DType::f64; return true;
    case onnx::TensorProto::INT64: *out = DType::i64; return true;
    case onnx::TensorProto::INT32: *out = DType::i32; return true;
    case onnx::TensorProto::INT8: *out = DType::i8; return true;
    case onnx::TensorProto::UINT8: *out = DType::u8; return true;
    case onnx::TensorProto::BOOL: *out = DType::boolean; return true;
    // FLOAT8E4M3FN = 17, FLOAT8E5M2 = 19 (opset 19): newer than Debian's onnx.proto names.
    case 17: *out = DType::f8e4m3fn; return true;
    case 19: *out = DType::f8e5m2; return true;
    default: return false;
  }
}

std::string onnx_dtype_name(int t) {
  return onnx::TensorProto_DataType_IsValid(t)
             ? onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(t))
             : "type " + std::to_string(t);
}

namespace {

// Reads `length` bytes at `offset` of an external data file, refusing paths
// that leave the model's folder (a hostile model must not read /etc/passwd).
std::string read_external(const onnx::TensorProto& t, const std::string& model_dir) {
  std::string location;
  int64_t offset = 0, length = -1;
  auto number = [&](const std::string& key, const std::string& v) -> int64_t {
    try {
      size_t used = 0;
      int64_t n = std::stoll(v, &used);
      if (used == v.size()) return n;
    } catch (const std::logic_error&) {
    }
    SEGRT_FAIL(InvalidModel, "initializer '", t.name(), "': external data ", key, " '", v, "' is not a number");
  };
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = number("offset", kv.value());
    else if (kv.key() == "length") length = number("length", kv.value());
  }
  SEGRT_CHECK(!location.empty(), InvalidModel, "initializer '", t.name(), "' has external data without a location");
  std::filesystem::path rel(location);
  SEGRT_CHECK(rel.is_relative() && location.find("..") == std::string::npos, InvalidModel,
              "initializer '", t.name(), "': external data location '", location,
              "' must be a relative path inside the model's folder");
  std::filesystem::path full = std::filesystem::path(model_dir) / rel;
  std::ifstream f(full, std::ios::binary);
  SEGRT_CHECK(f.good(), Io, "initializer '", t.name(), "': cannot open external data file '", full.string(), "'");
  f.seekg(0, std::ios::end);
  int64_t size = static_cast<int64_t>(f.tellg());
  if (length < 0) length = size - offset;
  SEGRT_CHECK(offset >= 0 && length >= 0 && offset <= size && length <= size - offset, InvalidModel, "initializer '", t.name(),
              "': external data range [", offset, ", ", offset + length, ") exceeds '", full.string(), "' (",
              size, " bytes)");
  std::string data(static_cast<size_t>(length), '\0');
  f.seekg(offset);
  f.read(data.data(), length);
  return data;
}

Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& model_dir) {
  DType dt;
  if (!dtype_from_onnx(t.data_type(), &dt))
    SEGRT_FAIL(Unsupported, "tensor '", t.name(), "' has element type ", onnx_dtype_name(t.data_type()));
  Shape shape;
  int64_t numel = 1;
  for (int64_t d : t.dims()) {
    SEGRT_CHECK(d >= 0, InvalidModel, "tensor '", t.name(), "' has a negative dimension ", d);
    SEGRT_CHECK(d == 0 || numel <= std::numeric_limits<int64_t>::max() / d / 8, InvalidModel, "tensor '",
                t.name(), "' is impossibly large");
    numel *= d;
    shape.push_back(d);
  }
  const size_t esize = dtype_size(dt);
  const size_t nbytes = static_cast<size_t>(numel) * esize;

  std::string external;
  const std::string* raw = nullptr;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    external = read_external(t, model_dir);
    raw = &external;
  } else if (t.has_raw_data()) {
    raw = &t.raw_data();
  }
  if (raw) {
    SEGRT_CHECK(raw->size() == nbytes, InvalidModel, "tensor '", t.name(), "' of shape ", shape_str(shape), " holds ",
                raw->size(), " bytes of data, expected ", nbytes);
    Tensor r = uninitialized_tensor(dt, shape);  // every byte comes from the file
    if (nbytes) std::memcpy(r.raw(), raw->data(), nbytes);
    return r;
  }
  // Typed fields (ONNX stores f16/bf16/i8/u8/bool/i32 in int32_data).
  auto count_check = [&](int64_t have) {
    SEGRT_CHECK(have == numel, InvalidModel, "tensor '", t.name(), "' of shape ", shape_str(shape), " holds ", have,
                " values, expected ", numel);
  };
  Tensor r(dt, shape);
  switch (dt) {
    case DType::f32:
      count_check(t.float_data_size());
      std::copy(t.float_data().begin(), t.float_data().end(), r.data<float>());
      break;
    case DType::f64:
      count_check(t.double_data_size());
      std::copy(t.double_data().begin(), t.double_data().end(), r.data<double>());
      break;
    case DType::i64:
      count_check(t.int64_data_size());
      std::copy(t.int64_data().begin(), t.int64_data().end(), r.data<int64_t>());
      break;
    default: {
      count_check(t.int32_data_size());
      for (int64_t i = 0; i < numel; ++i) {
        int32_t v = t.int32_data(static_cast<int>(i));
        switch (dt) {
          case DType::i32: r.data<int32_t>()[i] = v; break;
          case DType::i8: r.data<int8_t>()[i] = static_cast<int8_t>(v); break;
          case DType::u8: r.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
          case DType::boolean: static_cast<uint8_t*>(r.raw())[i] = v ? 1 : 0; break;
          case DType::f8e4m3fn: case DType::f8e5m2: static_cast<uint8_t*>(r.raw())[i] = static_cast<uint8_t>(v); break;
          default: r.data_u16()[i] = static_cast<uint16_t>(v); break;  // f16 / bf16 bits
        }
      }
    }
  }
  return r;
}

// A subgraph as translated, before it joins its node: the enclosing graph's
// values it reads (ids there), one per trailing captured input of `g`.
struct Subgraph {
  std::string attr;
  std::shared_ptr<Graph> g;
  std::vector<int> implicit;
};
struct Scope;
Subgraph translate_subgraph(const onnx::GraphProto& gp, Scope& outer, const std::string& attr_name);

Attrs attrs_from_proto(const onnx::NodeProto& n, const std::string& model_dir, Scope* scope = nullptr,
                       std::vector<Subgraph>* subgraphs = nullptr) {
  Attrs a;
  for (const auto& at : n.attribute()) {
    switch (at.type()) {
      case onnx::AttributeProto::GRAPH:
        if (!scope) SEGRT_FAIL(Unsupported, "attribute '", at.name(), "' is a graph, which only If, Loop and Scan take");
        subgraphs->push_back(translate_subgraph(at.g(), *scope, at.name()));
        break;
      case onnx::AttributeProto::INT: a.set(at.name(), static_cast<int64_t>(at.i())); break;
      case onnx::AttributeProto::FLOAT: a.set(at.name(), static_cast<double>(at.f())); break;
      case onnx::AttributeProto::STRING: a.set(at.name(), at.s()); break;
      case onnx::AttributeProto::INTS: a.set(at.name(), std::vector<int64_t>(at.ints().begin(), at.ints().end())); break;
      case onnx::AttributeProto::FLOATS:
        a.set(at.name(), std::vector<double>(at.floats().begin(), at.floats().end()));
        break;
      case onnx::AttributeProto::STRINGS:
        a.set(at.name(), std::vector<std::string>(at.strings().begin(), at.strings().end()));
        break;
      case onnx::AttributeProto::TENSOR: a.set(at.name(), tensor_from_proto(at.t(), model_dir)); break;
      default:
        SEGRT_FAIL(Unsupported, "attribute '", at.name(), "' has type ",
                   onnx::AttributeProto_AttributeType_Name(at.type()), " (sparse tensors and lists of graphs are not supported)");
    }
  }
  return a;
}

// Graph input declaration: element type and shape, -1 for symbolic dims.
int add_graph_input(Graph& g, const onnx::ValueInfoProto& vi) {
  SEGRT_CHECK(vi.type().has_tensor_type(), Unsupported, "graph input '", vi.name(), "' is not a tensor");
  const auto& tt = vi.type().tensor_type();
  DType dt;
  if (!dtype_from_onnx(tt.elem_type(), &dt))
    SEGRT_FAIL(Unsupported, "graph input '", vi.name(), "' has element type ", onnx_dtype_name(tt.elem_type()));
  Shape s;
  if (tt.has_shape())
    for (const auto& d : tt.shape().dim()) s.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
  int id = g.add_input(vi.name(), dt, s);
  g.value(id).shape_known = tt.has_shape();
  return id;
}

// Opsets 1-6 carry attributes later opsets dropped. consumed_inputs and
// is_test were hints without effect on inference results; broadcast=1 without
// an axis aligns trailing dimensions, which is numpy broadcasting of the
// second input onto the first. broadcast with an explicit axis is left to the
// op's translator (Add, Sub, Mul, Div, Pow align B there) and refused elsewhere.
void drop_legacy_attributes(NodeContext& c) {
  c.attrs.erase("consumed_inputs");
  c.attrs.erase("is_test");
  if (c.attrs.has("broadcast")) {
    if (c.attrs.i("broadcast", 0) != 0 && c.attrs.has("axis")) {
      const bool aligned_by_translator = c.op_type == "Add" || c.op_type == "Sub" || c.op_type == "Mul" ||
                                         c.op_type == "Div" || c.op_type == "Pow";  // elementwise_translate.cpp
      if (aligned_by_translator) return;
      c.unsupported("legacy broadcast=1 with axis=" + std::to_string(c.attrs.i("axis", 0)));
    }
    c.attrs.erase("broadcast");
    c.attrs.erase("axis");
  }
}

bool probe_onnx(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".onnx";
}

// A graph being translated: the model's graph or a subgraph of If / Loop /
// Scan. ONNX lets a subgraph read any value of the graphs enclosing it by
// name; such a read becomes an input of the subgraph (after its declared
// ones) and `implicit` records the enclosing graph's value behind it, which the
// owning node then takes as an extra input. The IR never looks names up
// across graphs.
struct Scope {
  Graph& g;
  Scope* parent;
  int64_t opset;
  std::string model_dir;
  int depth;
  std::vector<int> implicit;  // ids in parent->g, one per captured input of g, in order

  int lookup(const std::string& name) {
    int id = g.find_value(name);
    if (id >= 0 || !parent) return id;
    int outer = parent->lookup(name);
    if (outer < 0) return -1;
    const Value& ov = parent->g.value(outer);
    id = g.add_input(name, ov.dtype, ov.shape);
    g.value(id).shape_known = ov.shape_known;
    implicit.push_back(outer);
    return id;
  }
};

// A subgraph's declared input: types are optional there (Loop bodies often
// leave the carried values' out); specialisation sets them from the outer values.
void add_subgraph_input(Graph& g, const onnx::ValueInfoProto& vi) {
  if (!vi.has_type() || (vi.type().has_tensor_type() && vi.type().tensor_type().elem_type() == 0)) {
    g.value(g.add_input(vi.name(), DType::f32, {})).shape_known = false;
    return;
  }
  add_graph_input(g, vi);
}

void attach_subgraphs(NodeContext& c, std::vector<Subgraph>& subgraphs);

void translate_node(const onnx::NodeProto& n, Scope& scope) {
  Graph& g = scope.g;
  std::string name = !n.name().empty() ? n.name() : (n.output_size() ? n.output(0) : n.op_type());
  if (!n.domain().empty() && n.domain() != "ai.onnx") {
    Error e(ErrorKind::Unsupported, "op " + n.op_type() + " of domain '" + n.domain() +
                                        "' is not supported (only the default ONNX domain is)");
    throw e.with_node(name, n.op_type());
  }
  NodeContext c{g, n.op_type(), name, scope.opset, {}, {}, {}};
  for (const auto& in : n.input()) {
    int id = in.empty() ? -1 : scope.lookup(in);
    if (!in.empty() && id < 0) {
      Error e(ErrorKind::InvalidModel, "input '" + in + "' is not a graph input, an initializer or the output of an earlier node (missing initializer?)");
      throw e.with_node(name, n.op_type());
    }
    c.inputs.push_back(id);
  }
  for (const auto& out : n.output()) {
    if (out.empty()) {  // absent optional output: give it a private name
      c.outputs.push_back(g.add_value(g.unique_name(name + "/unused")));
      continue;
    }
    if (g.find_value(out) >= 0) {
      Error e(ErrorKind::InvalidModel, "output '" + out + "' is already defined");
      throw e.with_node(name, n.op_type());
    }
    c.outputs.push_back(g.add_value(out));
  }
  try {
    OpType known;
    if (!find_translator(n.op_type()) && !op_from_name(n.op_type(), &known))  // before its (subgraph) attributes
      c.unsupported(unsupported_op_message(n.op_type()));
    std::vector<Subgraph> subgraphs;
    c.attrs = attrs_from_proto(n, scope.model_dir, &scope, &subgraphs);
    if (!subgraphs.empty()) attach_subgraphs(c, subgraphs);
    if (scope.opset < 7) drop_legacy_attributes(c);
    Translator t = find_translator(n.op_type());
    if (t) t(c);
    else translate_generic(c);
  } catch (Error& e) {
    throw e.with_node(name, n.op_type());
  }
}

// Initializers, inputs, nodes and outputs of one graph, in that order.
void translate_graph(const onnx::GraphProto& gp, Scope& scope) {
  Graph& g = scope.g;
  for (const auto& init : gp.initializer()) {
    SEGRT_CHECK(!init.name().empty(), InvalidModel, "an initializer has no name");
    SEGRT_CHECK(g.find_value(init.name()) < 0, InvalidModel, "initializer '", init.name(), "' is defined twice");
    g.add_constant(init.name(), tensor_from_proto(init, scope.model_dir));
  }
  for (const auto& vi : gp.input()) {
    if (g.find_value(vi.name()) >= 0) continue;  // old exporters list initializers as inputs too
    if (scope.parent) add_subgraph_input(g, vi);
    else add_graph_input(g, vi);
  }
  for (const auto& n : gp.node()) translate_node(n, scope);
  for (const auto& out : gp.output()) {
    int id = scope.lookup(out.name());
    SEGRT_CHECK(id >= 0, InvalidModel, "graph output '", out.name(), "' is never produced");
    g.outputs.push_back(id);
  }
  g.topo_sort();
}

// A subgraph attribute, translated in a scope below `outer`.
Subgraph translate_subgraph(const onnx::GraphProto& gp, Scope& outer, const std::string& attr_name) {
  SEGRT_CHECK(outer.depth < 32, InvalidModel, "subgraphs nested over 32 deep");
  Subgraph r{attr_name, std::make_shared<Graph>(), {}};
  r.g->format = "onnx";
  Scope scope{*r.g, &outer, outer.opset, outer.model_dir, outer.depth + 1, {}};
  try {
    translate_graph(gp, scope);
  } catch (Error& e) {
    Error wrapped(e.kind(), "in subgraph '" + attr_name + "': " + e.what());
    throw wrapped;
  }
  r.implicit = scope.implicit;
  return r;
}

// The enclosing values a node's subgraphs read, U (all subgraphs together, in
// first-use order), become the node's trailing inputs ("implicit_inputs"
// counts them), and every subgraph's trailing inputs are rebuilt to stand for
// exactly U, in that order (an If branch gets inputs for what only the other
// branch reads). Passes then see plain data flow.
void attach_subgraphs(NodeContext& c, std::vector<Subgraph>& subgraphs) {
  std::vector<int> all;
  for (const Subgraph& s : subgraphs)
    for (int id : s.implicit)
      if (std::find(all.begin(), all.end(), id) == all.end()) all.push_back(id);
  for (Subgraph& s : subgraphs) {
    Graph& sg = *s.g;
    const size_t declared = sg.inputs.size() - s.implicit.size();
    std::vector<int> inputs(sg.inputs.begin(), sg.inputs.begin() + static_cast<std::ptrdiff_t>(declared));
    for (int outer : all) {
      auto it = std::find(s.implicit.begin(), s.implicit.end(), outer);
      if (it != s.implicit.end()) {
        inputs.push_back(sg.inputs[declared + static_cast<size_t>(it - s.implicit.begin())]);
      } else {
        const Value& ov = c.g.value(outer);
        int id = sg.add_value(sg.unique_name(ov.name), ov.dtype);
        inputs.push_back(id);
      }
    }
    sg.inputs = std::move(inputs);
    c.attrs.set(s.attr, GraphRef(s.g));
  }
  c.inputs.insert(c.inputs.end(), all.begin(), all.end());
  c.attrs.set("implicit_inputs", static_cast<int64_t>(all.size()));
}

Graph import_onnx(const std::string& path, const ImportOptions&) {
  onnx::ModelProto model;
  {
    // One read into an uninitialised buffer of the file's size (a
    // stringstream copies 124 MB of weights several times over as it grows).
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    SEGRT_CHECK(f.good(), Io, "cannot read the file");
    const std::streamoff size = f.tellg();
    SEGRT_CHECK(size > 0, InvalidModel, "the file is empty");
    SEGRT_CHECK(size < (std::streamoff{1} << 31), InvalidModel, "the file is ", size,
                " bytes; protobuf messages end at 2 GiB (larger models keep their weights in external data files)");
    std::unique_ptr<char[]> bytes(new char[static_cast<size_t>(size)]);
    f.seekg(0);
    SEGRT_CHECK(f.read(bytes.get(), size).good(), Io, "cannot read the file (", size, " bytes)");
    SEGRT_CHECK(model.ParseFromArray(bytes.get(), static_cast<int>(size)), InvalidModel,
                "not a valid ONNX model (protobuf parsing failed: truncated or not an .onnx file)");
  }
  SEGRT_CHECK(model.has_graph(), InvalidModel, "the ONNX model has no graph");
  int64_t opset = -1;
  for (const auto& os : model.opset_import())
    if (os.domain().empty() || os.domain() == "ai.onnx") opset = os.version();
  if (opset < 0 && model.ir_version() < 3) opset = 1;
  if (opset < 0 && model.opset_import_size() > 0) {  // e.g. only ai.onnx.preview.training
    std::string domains;
    for (const auto& os : model.opset_import())
      domains += (domains.empty() ? "" : ", ") + os.domain() + " " + std::to_string(os.version());
    SEGRT_FAIL(Unsupported, "the model imports no opset of the default ONNX domain, only ", domains,
               " (segrt runs default-domain ops only)");
  }
  SEGRT_CHECK(opset >= 0, InvalidModel, "the model imports no opset of the default ONNX domain");
  SEGRT_CHECK(opset >= 1 && opset <= kMaxOnnxOpset, Unsupported, "ONNX opset ", opset,
              " is not supported (segrt reads opsets 1 to ", kMaxOnnxOpset, ")");

  Graph g;
  g.format = "onnx";
  g.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version()) +
               ", opset " + std::to_string(opset);
  Scope top{g, nullptr, opset, std::filesystem::path(path).parent_path().string(), 0, {}};
  translate_graph(model.graph(), top);
  SEGRT_CHECK(!g.outputs.empty(), InvalidModel, "the graph has no outputs");
  return g;
}

const bool registered = register_importer("ONNX (.onnx)", probe_onnx, import_onnx);

}  // namespace
}  // namespace segrt::onnx_import

namespace segrt {

Tensor read_onnx_tensor_file(const std::string& path) {
  onnx::TensorProto t;
  SEGRT_CHECK(t.ParseFromString(read_file_bytes(path)), InvalidInput, "'", path, "' is not a serialized ONNX TensorProto");
  SEGRT_CHECK(t.data_location() != onnx::TensorProto::EXTERNAL, Unsupported, "'", path, "' uses external data");
  return onnx_import::tensor_from_proto(t, std::filesystem::path(path).parent_path().string());
}

}  // namespace segrt
