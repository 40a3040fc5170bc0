// What TensorRT's ONNX parser would refuse in a ModelProto, from its published
// support list (onnx-tensorrt docs/operators.md for TensorRT 10.0, and the
// Resize checks of its onnxOpCheckers.cpp): the op table, the documented
// restrictions of the ops segrt writes, and the opset range. docs/export.md
// has the same table for readers; keep both in step.
#include <set>

#include "core/file.h"
#include "export/onnx_proto_util.h"

namespace segrt::onnx_export {

namespace {

constexpr int kTrtMinOpset = 9, kTrtMaxOpset = 20;  // "TensorRT 10.0 supports ... opset 9 to opset 20"

// Operators marked Y in the support matrix.
const std::set<std::string>& trt_ops() {
  static const std::set<std::string> ops = {
      "Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin", "Asinh", "Atan", "Atanh", "AveragePool",
      "BatchNormalization", "Cast", "CastLike", "Ceil", "Celu", "Clip", "Concat", "Constant", "ConstantOfShape",
      "Conv", "ConvTranspose", "Cos", "Cosh", "CumSum", "DeformConv", "DepthToSpace", "DequantizeLinear", "Div",
      "Dropout", "Einsum", "Elu", "Equal", "Erf", "Exp", "Expand", "EyeLike", "Flatten", "Floor", "Gather",
      "GatherElements", "GatherND", "Gelu", "Gemm", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "Greater",
      "GreaterOrEqual", "GridSample", "GroupNormalization", "GRU", "HardSigmoid", "HardSwish", "Hardmax", "Identity",
      "If", "ImageScaler", "InstanceNormalization", "IsInf", "IsNaN", "LayerNormalization", "LeakyRelu", "Less",
      "LessOrEqual", "Log", "LogSoftmax", "Loop", "LRN", "LSTM", "LpNormalization", "LpPool", "MatMul", "Max",
      "MaxPool", "Mean", "MeanVarianceNormalization", "Min", "Mish", "Mod", "Mul", "Neg", "NonMaxSuppression",
      "NonZero", "Not", "OneHot", "Or", "Pad", "ParametricSoftplus", "Pow", "PRelu", "QuantizeLinear",
      "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Range", "Reciprocal",
      "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum",
      "ReduceSumSquare", "Relu", "Reshape", "Resize", "ReverseSequence", "RNN", "RoiAlign", "Round", "ScaledTanh",
      "Scan", "Scatter", "ScatterElements", "ScatterND", "Selu", "Shape", "Shrink", "Sigmoid", "Sign", "Sin", "Sinh",
      "Size", "Slice", "Softmax", "Softplus", "Softsign", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "Sub", "Sum",
      "Tan", "Tanh", "ThresholdedRelu", "Tile", "TopK", "Transpose", "Trilu", "Unsqueeze", "Upsample", "Where",
      "Xor"};
  return ops;
}

struct NodeView {
  const onnx::NodeProto& n;
  const std::set<std::string>& constants;  // initializers and Constant outputs
  const onnx::AttributeProto* attr(const std::string& k) const {
    for (const auto& a : n.attribute())
      if (a.name() == k) return &a;
    return nullptr;
  }
  std::string s(const std::string& k, const std::string& def) const {
    const auto* a = attr(k);
    return a ? a->s() : def;
  }
  int64_t i(const std::string& k, int64_t def) const {
    const auto* a = attr(k);
    return a ? a->i() : def;
  }
  // Optional input `idx` is absent or a constant tensor.
  bool constant_or_absent(int idx) const {
    return n.input_size() <= idx || n.input(idx).empty() || constants.count(n.input(idx)) != 0;
  }
};

void check_resize(const NodeView& v, std::vector<std::string>& why) {
  static const std::set<std::string> modes = {"nearest", "linear", "cubic"};
  static const std::set<std::string> coords = {"half_pixel", "pytorch_half_pixel", "tf_half_pixel_for_nn",
                                               "asymmetric", "align_corners"};
  static const std::set<std::string> nearest = {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"};
  std::string mode = v.s("mode", "nearest"), ct = v.s("coordinate_transformation_mode", "half_pixel");
  std::string nm = v.s("nearest_mode", "round_prefer_floor");
  if (!modes.count(mode)) why.push_back("mode '" + mode + "' (TensorRT: nearest, linear, cubic)");
  if (!coords.count(ct))
    why.push_back("coordinate_transformation_mode '" + ct +
                  "' (TensorRT: half_pixel, pytorch_half_pixel, tf_half_pixel_for_nn, asymmetric, align_corners)");
  if (mode == "nearest" && !nearest.count(nm)) why.push_back("nearest_mode '" + nm + "'");
  if (ct == "tf_half_pixel_for_nn" && nm != "round_prefer_floor")
    why.push_back("tf_half_pixel_for_nn with nearest_mode '" + nm + "' (TensorRT: round_prefer_floor only)");
  if (v.i("antialias", 0) != 0) why.push_back("antialias=1 (not supported)");
  if (v.s("keep_aspect_ratio_policy", "stretch") != "stretch") why.push_back("keep_aspect_ratio_policy other than stretch");
}

void check_pool(const NodeView& v, std::vector<std::string>& why) {
  const auto* k = v.attr("kernel_shape");
  int nd = k ? k->ints_size() : 0;
  if (nd != 2 && nd != 3) why.push_back(std::to_string(nd) + "-D pooling (TensorRT: 2-D or 3-D only)");
  if (const auto* d = v.attr("dilations"))
    for (int64_t x : d->ints())
      if (x != 1) {
        why.push_back("dilations other than 1");
        break;
      }
  if (v.n.op_type() == "MaxPool" && v.n.output_size() > 1 && !v.n.output(1).empty())
    why.push_back("the Indices output");
}

std::vector<std::string> node_problems(const NodeView& v) {
  std::vector<std::string> why;
  const std::string& op = v.n.op_type();
  if (!v.n.domain().empty() && v.n.domain() != "ai.onnx") {
    why.push_back("domain '" + v.n.domain() + "' (needs a plugin)");
    return why;
  }
  if (!trt_ops().count(op)) {
    why.push_back("not in TensorRT's ONNX operator support list");
    return why;
  }
  if (op == "Resize") check_resize(v, why);
  if (op == "MaxPool" || op == "AveragePool") check_pool(v, why);
  if (op == "Pad") {
    std::string mode = v.s("mode", "constant");
    if (mode != "constant" && mode != "reflect" && mode != "edge") why.push_back("mode '" + mode + "'");
    if (!v.constant_or_absent(3)) why.push_back("axes input is not an initializer");
  }
  if ((op == "Slice" && !v.constant_or_absent(3)) || ((op == "Squeeze" || op == "Unsqueeze") && !v.constant_or_absent(1)) ||
      (op == "ReduceMean" && !v.constant_or_absent(1)))
    why.push_back("axes input is not an initializer");
  if (op == "Dropout" && !v.constant_or_absent(2)) why.push_back("training_mode is not an initializer");
  if (op == "Constant" && (v.attr("sparse_value") || v.attr("value_string") || v.attr("value_strings")))
    why.push_back("sparse or string value");
  if (op == "Cast") {
    static const std::set<int64_t> ok = {onnx::TensorProto::FLOAT, onnx::TensorProto::FLOAT16,
                                         onnx::TensorProto::BFLOAT16, onnx::TensorProto::INT32,
                                         onnx::TensorProto::INT64, onnx::TensorProto::UINT8, onnx::TensorProto::BOOL};
    if (!ok.count(v.i("to", 0))) why.push_back("cast to " + std::to_string(v.i("to", 0)) + " (unsupported type)");
  }
  return why;
}

}  // namespace

std::vector<TrtFinding> check_tensorrt(const onnx::ModelProto& m) {
  std::vector<TrtFinding> out;
  for (const auto& os : m.opset_import())
    if ((os.domain().empty() || os.domain() == "ai.onnx") && (os.version() < kTrtMinOpset || os.version() > kTrtMaxOpset))
      out.push_back({"(model)", "", "opset " + std::to_string(os.version()) + " is outside TensorRT 10.0's range (" +
                                        std::to_string(kTrtMinOpset) + " to " + std::to_string(kTrtMaxOpset) + ")"});
  const auto& gp = m.graph();
  std::set<std::string> constants;
  for (const auto& t : gp.initializer()) {
    constants.insert(t.name());
    if (t.data_type() == onnx::TensorProto::DOUBLE)
      out.push_back({t.name(), "initializer", "float64 (TensorRT casts it down to float32)"});
  }
  for (const auto& vi : gp.input())
    if (vi.type().tensor_type().elem_type() == onnx::TensorProto::DOUBLE ||
        vi.type().tensor_type().elem_type() == onnx::TensorProto::INT8)
      out.push_back({vi.name(), "input", "element type " + std::to_string(vi.type().tensor_type().elem_type()) +
                                             " is not a TensorRT network input type"});
  for (const auto& n : gp.node()) {
    if (n.op_type() == "Constant")
      for (const auto& o : n.output()) constants.insert(o);
    NodeView v{n, constants};
    for (const auto& why : node_problems(v)) out.push_back({n.name(), n.op_type(), why});
  }
  return out;
}

}  // namespace segrt::onnx_export

namespace segrt {

std::vector<TrtFinding> check_tensorrt_file(const std::string& onnx_path) {
  onnx::ModelProto m;
  SEGRT_CHECK(m.ParseFromString(read_file_bytes(onnx_path)), InvalidModel, "'", onnx_path, "' is not a valid ONNX model");
  return onnx_export::check_tensorrt(m);
}

}  // namespace segrt
