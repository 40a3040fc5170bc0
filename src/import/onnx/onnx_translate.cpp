// Translator registry and the generic same-name translation.
#include "import/onnx/onnx_translate.h"

#include <map>

namespace segrt::onnx_import {

namespace {
std::map<std::string, Translator>& registry() {
  static std::map<std::string, Translator> r;
  return r;
}
}  // namespace

bool register_translator(const char* onnx_op, Translator t) {
  registry()[onnx_op] = t;
  return true;
}

Translator find_translator(const std::string& onnx_op) {
  auto it = registry().find(onnx_op);
  return it == registry().end() ? nullptr : it->second;
}

Node& NodeContext::emit(OpType op, std::vector<int> in, std::vector<int> out) {
  std::string nm = name;
  // Extra nodes of one ONNX node get distinct names; the last emitted keeps
  // the ONNX name's outputs, and all carry the ONNX node as their source.
  Node& n = g.add_node(op, nm, std::move(in), std::move(out));
  n.source_name = name;
  n.source_op = op_type;
  return n;
}

int NodeContext::const_i64(const std::string& suffix, const std::vector<int64_t>& v, bool as_1d) {
  Shape s = as_1d ? Shape{static_cast<int64_t>(v.size())} : Shape{};
  return g.add_constant(g.unique_name(name + "/" + suffix), Tensor::from_i64(v, s));
}

int NodeContext::const_f32(const std::string& suffix, const std::vector<float>& v, Shape shape) {
  return g.add_constant(g.unique_name(name + "/" + suffix), Tensor::from_vector(v, std::move(shape)));
}

void NodeContext::unsupported(const std::string& what) const {
  Error e(ErrorKind::Unsupported, what + " (opset " + std::to_string(opset) + ")");
  e.with_node(name, op_type);
  throw e;
}

void translate_generic(NodeContext& c) {
  OpType op;
  if (!op_from_name(c.op_type, &op)) c.unsupported("op " + c.op_type + " is not supported");
  Node& n = c.emit(op);
  n.attrs = c.attrs;
}

}  // namespace segrt::onnx_import
