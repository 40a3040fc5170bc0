// What an older ONNX opset cannot say, said with the ops it has (export):
//
//   Gelu (opset 20), approximate=none:  0.5 * x * (1 + Erf(x / sqrt(2)))
//   Gelu, approximate=tanh:             0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
//   HardSwish (opset 14):               x * HardSigmoid(x, alpha=1/6, beta=1/2)
//   Mish (opset 18):                    x * Tanh(Softplus(x))
//   Softmax legacy_flatten (opset < 13 semantics):
//                                       Reshape(Softmax(Flatten(x, axis), axis=1), Shape(x))
//   Conv / pooling with negative pads:  Pad(x, the negative parts: a crop) then the op with the rest
//   ConvTranspose negative end pads:    output_padding (both extend the output at the end)
#include <cmath>

#include "passes/export_passes.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

class Lowering {
 public:
  Lowering(Graph& g, int opset, PassLog& log) : g_(g), opset_(opset), log_(log) {}

  void run() {
    std::vector<Node> old = std::move(g_.nodes);
    g_.nodes.clear();
    for (Node& n : old) {
      if (n.op == OpType::Gelu && opset_ < 20) gelu(n);
      else if (n.op == OpType::HardSwish && opset_ < 14) hard_swish(n);
      else if (n.op == OpType::Mish && opset_ < 18) mish(n);
      else if ((n.op == OpType::Softmax || n.op == OpType::LogSoftmax) && n.attrs.i("legacy_flatten", 0) != 0) softmax(n);
      else if (n.op == OpType::Conv || n.op == OpType::MaxPool || n.op == OpType::AveragePool) negative_pads(n);
      else if (n.op == OpType::ConvTranspose) transpose_pads(n);
      else g_.nodes.push_back(std::move(n));
    }
    g_.topo_sort();
  }

 private:
  Graph& g_;
  int opset_;
  PassLog& log_;
  const Node* at_ = nullptr;  // the node being lowered (names, source)

  int scalar(float v) { return g_.add_constant(g_.unique_name(at_->name + "_c"), Tensor::scalar_f32(v)); }
  int emit(OpType op, std::vector<int> in, int out = -1, Attrs a = {}) {
    if (out < 0) out = g_.add_value(g_.unique_name(at_->name + "_" + op_name(op)), g_.value(in[0]).dtype);
    Node n;
    n.op = op;
    n.name = g_.unique_name(at_->name + "_" + op_name(op));
    n.source_name = at_->source_name;
    n.source_op = at_->source_op;
    n.inputs = std::move(in);
    n.outputs = {out};
    n.attrs = std::move(a);
    g_.nodes.push_back(std::move(n));
    return out;
  }
  void note(const std::string& what) {
    log_.note("lower_for_opset", std::string(pass_util::layer_name(*at_)) + ": " + what);
  }

  void gelu(Node& n) {
    at_ = &n;
    int x = n.inputs[0], y = n.outputs[0];
    int inner;
    if (n.attrs.s("approximate", "none") == "tanh") {
      int x3 = emit(OpType::Mul, {emit(OpType::Mul, {x, x}), x});
      int s = emit(OpType::Add, {x, emit(OpType::Mul, {x3, scalar(0.044715f)})});
      inner = emit(OpType::Tanh, {emit(OpType::Mul, {s, scalar(static_cast<float>(std::sqrt(2.0 / M_PI)))})});
    } else {
      inner = emit(OpType::Erf, {emit(OpType::Mul, {x, scalar(static_cast<float>(1.0 / std::sqrt(2.0)))})});
    }
    int half_x = emit(OpType::Mul, {x, scalar(0.5f)});
    emit(OpType::Mul, {half_x, emit(OpType::Add, {inner, scalar(1.f)})}, y);
    note("Gelu written with " + std::string(n.attrs.s("approximate", "none") == "tanh" ? "Tanh" : "Erf") +
         " (Gelu needs opset 20)");
  }

  void hard_swish(Node& n) {
    at_ = &n;
    Attrs a;
    a.set("alpha", 1.0 / 6.0);
    a.set("beta", 0.5);
    int hs = emit(OpType::HardSigmoid, {n.inputs[0]}, -1, a);
    emit(OpType::Mul, {n.inputs[0], hs}, n.outputs[0]);
    note("HardSwish written as x * HardSigmoid (HardSwish needs opset 14)");
  }

  void mish(Node& n) {
    at_ = &n;
    int t = emit(OpType::Tanh, {emit(OpType::Softplus, {n.inputs[0]})});
    emit(OpType::Mul, {n.inputs[0], t}, n.outputs[0]);
    note("Mish written as x * Tanh(Softplus(x)) (Mish needs opset 18)");
  }

  void softmax(Node& n) {
    at_ = &n;
    int64_t axis = n.attrs.i("axis", 1);
    Attrs fa;
    fa.set("axis", axis);
    int flat = emit(OpType::Flatten, {n.inputs[0]}, -1, fa);
    Attrs sa;
    sa.set("axis", int64_t{1});
    int soft = emit(n.op, {flat}, -1, sa);
    int shape = g_.add_value(g_.unique_name(n.name + "_shape"), DType::i64);
    Node sh;
    sh.op = OpType::Shape;
    sh.name = g_.unique_name(n.name + "_Shape");
    sh.source_name = n.source_name;
    sh.inputs = {n.inputs[0]};
    sh.outputs = {shape};
    g_.nodes.push_back(std::move(sh));
    emit(OpType::Reshape, {soft, shape}, n.outputs[0]);
    note("pre-opset-13 Softmax written as Flatten, Softmax, Reshape");
  }

  void negative_pads(Node& n) {
    auto p = n.attrs.ints("pads");
    bool negative = false;
    for (int64_t v : p) negative |= v < 0;
    if (!negative) return g_.nodes.push_back(std::move(n));
    at_ = &n;
    const size_t nsp = p.size() / 2;
    std::vector<int64_t> crop(2 * (nsp + 2), 0);  // NCHW: batch and channel axes untouched
    for (size_t i = 0; i < nsp; ++i) {
      crop[2 + i] = std::min<int64_t>(p[i], 0);
      crop[nsp + 4 + i] = std::min<int64_t>(p[nsp + i], 0);
      p[i] = std::max<int64_t>(p[i], 0);
      p[nsp + i] = std::max<int64_t>(p[nsp + i], 0);
    }
    int pads = g_.add_constant(g_.unique_name(n.name + "_crop"),
                               Tensor::from_i64(crop, {static_cast<int64_t>(crop.size())}));
    int cropped = emit(OpType::Pad, {n.inputs[0], pads});
    n.inputs[0] = cropped;
    n.attrs.set("pads", p);
    note("negative pads written as a Pad (crop) before the op");
    g_.nodes.push_back(std::move(n));
  }

  void transpose_pads(Node& n) {
    auto p = n.attrs.ints("pads");
    const size_t nsp = p.size() / 2;
    bool begin_negative = false, end_negative = false;
    for (size_t i = 0; i < nsp; ++i) {
      begin_negative |= p[i] < 0;
      end_negative |= p[nsp + i] < 0;
    }
    SEGRT_CHECK(!begin_negative, Unsupported, "layer '", pass_util::layer_name(n),
                "' (ConvTranspose): negative begin pads have no ONNX form");
    if (end_negative) {
      at_ = &n;
      auto op = n.attrs.ints("output_padding", std::vector<int64_t>(nsp, 0));
      for (size_t i = 0; i < nsp; ++i)
        if (p[nsp + i] < 0) {
          op[i] -= p[nsp + i];
          p[nsp + i] = 0;
        }
      n.attrs.set("pads", p);
      n.attrs.set("output_padding", op);
      note("negative end pads written as output_padding");
    }
    g_.nodes.push_back(std::move(n));
  }
};

}  // namespace

void lower_for_opset(Graph& g, int opset, PassLog& log) { Lowering(g, opset, log).run(); }

}  // namespace segrt
