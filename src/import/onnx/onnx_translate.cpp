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

// Default-domain ops segrt does not run, by the reason docs/ops.md lists them under.
const char* unsupported_category(const std::string& op) {
  static const std::map<std::string, const char*> kinds = {
      {"StringNormalizer", "strings"}, {"TfIdfVectorizer", "strings"}, {"RegexFullMatch", "strings"},
      {"StringConcat", "strings"}, {"StringSplit", "strings"},
      {"SequenceAt", "sequences/maps/optional"}, {"SequenceConstruct", "sequences/maps/optional"},
      {"SequenceEmpty", "sequences/maps/optional"}, {"SequenceErase", "sequences/maps/optional"},
      {"SequenceInsert", "sequences/maps/optional"}, {"SequenceLength", "sequences/maps/optional"},
      {"SequenceMap", "sequences/maps/optional"}, {"SplitToSequence", "sequences/maps/optional"},
      {"ConcatFromSequence", "sequences/maps/optional"}, {"Optional", "sequences/maps/optional"},
      {"OptionalGetElement", "sequences/maps/optional"}, {"OptionalHasElement", "sequences/maps/optional"},
      {"Gradient", "training-only"}, {"Momentum", "training-only"}, {"Adagrad", "training-only"},
      {"Adam", "training-only"},
      {"Bernoulli", "random"}, {"RandomUniform", "random"}, {"RandomUniformLike", "random"},
      {"RandomNormal", "random"}, {"RandomNormalLike", "random"}, {"Multinomial", "random"},
      {"STFT", "spectral"}, {"MelWeightMatrix", "spectral"},
  };
  auto it = kinds.find(op);
  return it == kinds.end() ? nullptr : it->second;
}

std::string unsupported_op_message(const std::string& op) {
  const char* kind = unsupported_category(op);
  return "op " + op + " is not supported" + (kind ? std::string(" (") + kind + ", see docs/ops.md)" : std::string());
}

void translate_generic(NodeContext& c) {
  OpType op;
  if (!op_from_name(c.op_type, &op)) c.unsupported(unsupported_op_message(c.op_type));
  Node& n = c.emit(op);
  n.attrs = c.attrs;
}

}  // namespace segrt::onnx_import
