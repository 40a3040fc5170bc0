// NHWC -> NCHW for a channels-last graph (Keras), for consumers that are
// fastest channels-first (TensorRT) or only know it (ONNX's spatial ops).
// A value is "moved" when it holds P(x) = Transpose(x, [0, r-1, 1, ..., r-2])
// of the tensor x the original graph computed. Walking in order:
//
//   spatial op, layout NHWC:  op_NHWC(x) = P^-1(op_NCHW(P(x)))      -> the op reads P(x), its output is moved
//   elementwise f(x, c):      P(f(x, c)) = f(P(x), P(c'))           c' = c broadcast to rank r (a constant: permuted here)
//   Concat / Split / Softmax / ArgMax / ReduceMean along axis a:    the same op along axis m(a),
//                             m(0) = 0, m(r-1) = 1, m(a) = a + 1 otherwise
//   Pad / Slice / Resize:     pads, axes, roi, scales and sizes permuted with the axes
//   Transpose(x, p):          Transpose(P(x), q), q[i] = P^-1[p[i]], output not moved
//
// Any other reader of a moved value reads P^-1 of it (one Transpose, shared by
// all such readers, named in the log). Weights need no change: the IR keeps
// them in ONNX order (OIHW) whatever the activation layout.
#include <algorithm>
#include <cstring>
#include <map>

#include "ir/activation.h"
#include "ir/ops/transpose_util.h"
#include "passes/export_passes.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

std::vector<int64_t> to_first(int r) {
  std::vector<int64_t> p = {0, r - 1};
  for (int i = 1; i < r - 1; ++i) p.push_back(i);
  return p;
}
std::vector<int64_t> to_last(int r) {
  std::vector<int64_t> p = {0};
  for (int i = 2; i < r; ++i) p.push_back(i);
  p.push_back(1);
  return p;
}
int64_t map_axis(int64_t a, int r) {
  if (a < 0) a += r;
  return a == 0 ? 0 : a == r - 1 ? 1 : a + 1;
}

Shape permute_shape(const Shape& s, const std::vector<int64_t>& p) {
  Shape o(p.size());
  for (size_t i = 0; i < p.size(); ++i) o[i] = s[static_cast<size_t>(p[i])];
  return o;
}

// out[i0, i1, ...] = t[index with axis p[k] = i_k], any dtype.
Tensor permute_tensor(const Tensor& t, const std::vector<int64_t>& p) {
  const int r = t.rank();
  Tensor out(t.dtype(), permute_shape(t.shape(), p));
  const size_t es = dtype_size(t.dtype());
  std::vector<int64_t> in_stride(r, 1);
  for (int d = r - 2; d >= 0; --d) in_stride[d] = in_stride[d + 1] * t.dim(d + 1);
  std::vector<int64_t> idx(r, 0);
  const auto* src = static_cast<const uint8_t*>(t.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (int64_t o = 0; o < out.numel(); ++o) {
    int64_t off = 0;
    for (int k = 0; k < r; ++k) off += idx[k] * in_stride[p[k]];
    std::memcpy(dst + o * es, src + off * es, es);
    for (int k = r - 1; k >= 0; --k) {
      if (++idx[k] < out.dim(k)) break;
      idx[k] = 0;
    }
  }
  return out;
}

// Layout-free one-input ops: every activation of ops.def (Identity included), Dropout, Cast.
bool is_unary(OpType op) { return Activation::is_activation(op) || op == OpType::Dropout || op == OpType::Cast; }

bool is_broadcasting(OpType op) {
  switch (op) {
    case OpType::Add: case OpType::Sub: case OpType::Mul: case OpType::Div: case OpType::Pow: case OpType::Max:
    case OpType::Min: case OpType::Sum: case OpType::PRelu:
      return true;
    default:
      return false;
  }
}

class ToNchw {
 public:
  ToNchw(Graph& g, const std::vector<int>& ranks, bool nchw_io, PassLog& log)
      : g_(g), ranks_(ranks), nchw_io_(nchw_io), log_(log) {}

  void run() {
    std::vector<Node> old = std::move(g_.nodes);
    g_.nodes.clear();
    old_ = &old;
    for (int id : g_.inputs) move_input(id);
    for (Node& n : old) {
      for (int& in : n.inputs)
        if (in >= 0 && alias_.count(in)) in = alias_.at(in);
      rewrite(n);
    }
    for (int o : g_.outputs) restore_output(o);
    g_.topo_sort();
    if (converted_) log_.note("convert_to_nchw", std::to_string(converted_) + " nodes computed channels-first");
  }

 private:
  Graph& g_;
  const std::vector<int>& ranks_;
  bool nchw_io_;
  PassLog& log_;
  std::map<int, int> rank_;   // moved value -> its rank
  std::map<int, int> alias_;  // original value id -> the value that replaces it
  std::map<int, int> back_;   // moved value -> its transposed-back copy
  std::map<int, int> out_moved_;  // graph output id -> moved value computing it
  int converted_ = 0;
  std::vector<Node>* old_ = nullptr;  // the nodes not yet rewritten (Flatten looks ahead at its readers)

  bool moved(int v) const { return v >= 0 && rank_.count(v) != 0; }
  int rank_of(int v) const {
    if (moved(v)) return rank_.at(v);
    const Value& val = g_.value(v);
    if (val.is_constant()) return val.constant.rank();
    if (v < static_cast<int>(ranks_.size()) && ranks_[v] >= 0) return ranks_[v];
    return val.shape_known ? static_cast<int>(val.shape.size()) : -1;
  }

  void mark(int v, int r) {
    rank_[v] = r;
    Value& val = g_.value(v);
    if (val.shape_known && static_cast<int>(val.shape.size()) == r) val.shape = permute_shape(val.shape, to_first(r));
    val.layout = Layout::NCHW;
  }

  int transpose(int x, const std::vector<int64_t>& p, const std::string& suffix, const Node* near) {
    const Value xv = g_.value(x);  // a copy: add_value may move the values
    int y = g_.add_value(g_.unique_name(xv.name + suffix), xv.dtype);
    Value& yv = g_.value(y);
    if (xv.shape_known && xv.shape.size() == p.size()) {
      yv.shape = permute_shape(xv.shape, p);
      yv.shape_known = true;
    }
    Node t;
    t.op = OpType::Transpose;
    t.name = g_.unique_name((near ? near->name : xv.name) + suffix);
    t.inputs = {x};
    t.outputs = {y};
    t.attrs.set("perm", p);
    t.source_name = near ? near->source_name : "";
    g_.nodes.push_back(std::move(t));
    return y;
  }

  void move_input(int id) {
    Value& v = g_.value(id);
    int r = static_cast<int>(v.shape.size());
    if (v.layout != Layout::NHWC || r < 3 || !v.shape_known) return;
    if (nchw_io_) {
      mark(id, r);
      return;
    }
    int t = transpose(id, to_first(r), "_nchw", nullptr);
    rank_[t] = r;
    g_.value(t).layout = Layout::NCHW;
    alias_[id] = t;
  }

  // The original-layout value of moved value v.
  int restored(int v, const Node& reader) {
    auto it = back_.find(v);
    if (it != back_.end()) return it->second;
    int b = transpose(v, to_last(rank_.at(v)), "_nhwc", nullptr);
    g_.value(b).layout = Layout::NHWC;
    back_[v] = b;
    log_.note("convert_to_nchw", std::string(pass_util::layer_name(reader)) + " (" + op_name(reader.op) +
                                     ") reads a channels-last copy");
    return b;
  }

  void keep_original(Node& n) {
    for (int& in : n.inputs)
      if (moved(in)) in = restored(in, n);
    g_.nodes.push_back(std::move(n));
  }

  // The node now computes moved outputs of rank r; graph outputs get a fresh value.
  void finish_moved(Node& n, int r) {
    for (int& o : n.outputs) {
      if (pass_util::is_graph_output(g_, o) && !nchw_io_) {
        int m = g_.add_value(g_.unique_name(g_.value(o).name + "_nchw"), g_.value(o).dtype);
        g_.value(m).shape = g_.value(o).shape;
        g_.value(m).shape_known = g_.value(o).shape_known;
        alias_[o] = m;
        out_moved_[o] = m;
        o = m;
      }
      mark(o, r);
    }
    ++converted_;
    g_.nodes.push_back(std::move(n));
  }

  int moved_constant(int c, int r) {
    const Tensor& t = g_.value(c).constant;
    Shape s(static_cast<size_t>(r - t.rank()), 1);
    s.insert(s.end(), t.shape().begin(), t.shape().end());
    return g_.add_constant(g_.unique_name(g_.value(c).name + "_nchw"), permute_tensor(t.reshaped(s), to_first(r)));
  }

  int i64_constant(const std::string& base, const std::vector<int64_t>& v) {
    return g_.add_constant(g_.unique_name(base), Tensor::from_i64(v, {static_cast<int64_t>(v.size())}));
  }

  const Tensor* constant_input(const Node& n, size_t i) const {
    if (i >= n.inputs.size() || n.inputs[i] < 0 || !g_.value(n.inputs[i]).is_constant()) return nullptr;
    return &g_.value(n.inputs[i]).constant;
  }
  bool absent_or_empty(const Node& n, size_t i) const {
    if (i >= n.inputs.size() || n.inputs[i] < 0) return true;
    const Tensor* t = constant_input(n, i);
    return t && t->numel() == 0;
  }

  void rewrite(Node& n) {
    bool nhwc_op = n.attrs.s("layout", "NCHW") == "NHWC";
    bool any = false;
    for (int in : n.inputs) any |= moved(in);
    if (nhwc_op) return spatial(n);
    if (!any) return g_.nodes.push_back(std::move(n));
    const int r = rank_of(n.inputs[0] >= 0 && moved(n.inputs[0]) ? n.inputs[0] : first_moved(n));
    if (is_unary(n.op) && moved(n.inputs[0])) return finish_moved(n, r);
    if (is_broadcasting(n.op)) return broadcasting(n, r);
    if (!moved(n.inputs[0])) return keep_original(n);
    switch (n.op) {
      case OpType::Concat: return concat(n, r);
      case OpType::Split:
        n.attrs.set("axis", map_axis(n.attrs.i("axis", 0), r));
        return finish_moved(n, r);
      case OpType::Softmax:
      case OpType::LogSoftmax:
        if (n.attrs.i("legacy_flatten", 0) != 0) return keep_original(n);
        n.attrs.set("axis", map_axis(n.attrs.i("axis", -1), r));
        return finish_moved(n, r);
      case OpType::ArgMax: return argmax(n, r);
      case OpType::ReduceMean: return reduce(n, r);
      case OpType::Pad: return pad(n, r);
      case OpType::Slice: return slice(n, r);
      case OpType::Resize: return resize(n, r);
      case OpType::Transpose: return transpose_node(n, r);
      case OpType::Flatten: return flatten(n, r);
      default: return keep_original(n);
    }
  }

  int first_moved(const Node& n) const {
    for (int in : n.inputs)
      if (moved(in)) return in;
    return -1;
  }

  void spatial(Node& n) {
    int x = n.inputs[0];
    int r = moved(x) ? rank_.at(x) : rank_of(x);
    if (r < 0 && (n.op == OpType::Conv || n.op == OpType::ConvTranspose) && n.inputs.size() > 1)
      r = rank_of(n.inputs[1]);
    if (r == 2) {  // [N, C]: the channel axis is 1 in either layout
      n.attrs.erase("layout");
      return keep_original(n);
    }
    SEGRT_CHECK(r >= 3, Unsupported, "layer '", pass_util::layer_name(n), "' (", op_name(n.op),
                "): the rank of its input is unknown, so it cannot be made channels-first");
    if (!moved(x)) {
      n.inputs[0] = transpose(x, to_first(r), "_nchw", &n);
      log_.note("convert_to_nchw", std::string(pass_util::layer_name(n)) + " reads a transposed input");
    }
    n.attrs.erase("layout");
    finish_moved(n, r);
  }

  void broadcasting(Node& n, int r) {
    std::vector<int> ins = n.inputs;
    for (int& in : ins) {
      if (in < 0 || moved(in)) {
        if (in >= 0 && rank_.at(in) != r) return keep_original(n);
        continue;
      }
      const Value& v = g_.value(in);
      if (!v.is_constant() || v.constant.rank() > r) return keep_original(n);
      if (v.constant.numel() > 1) in = moved_constant(in, r);
    }
    n.inputs = ins;
    finish_moved(n, r);
  }

  void concat(Node& n, int r) {
    std::vector<int> ins = n.inputs;
    for (int& in : ins) {
      if (moved(in)) continue;
      const Value& v = g_.value(in);
      if (!v.is_constant() || v.constant.rank() != r) return keep_original(n);
      in = moved_constant(in, r);
    }
    n.inputs = ins;
    n.attrs.set("axis", map_axis(n.attrs.i("axis", 0), r));
    finish_moved(n, r);
  }

  void argmax(Node& n, int r) {
    int64_t a = n.attrs.i("axis", 0);
    if (a < 0) a += r;
    n.attrs.set("axis", map_axis(a, r));
    if (n.attrs.i("keepdims", 1) != 0) return finish_moved(n, r);
    if (a != r - 1) {  // the channel axis removed: [N, H, W] either way
      n.attrs.set("axis", a);
      return keep_original(n);
    }
    ++converted_;
    g_.nodes.push_back(std::move(n));
  }

  void reduce(Node& n, int r) {
    auto axes = n.attrs.ints("axes");
    if (axes.empty() || n.inputs.size() > 1) return keep_original(n);
    std::vector<char> red(r, 0);
    std::vector<int64_t> mapped;
    for (int64_t a : axes) {
      if (a < 0) a += r;
      red[a] = 1;
      mapped.push_back(map_axis(a, r));
    }
    bool keepdims = n.attrs.i("keepdims", 1) != 0;
    // Without keepdims the output is in the original layout when the kept axes keep their order.
    int64_t last = -1;
    for (int a = 0; a < r && !keepdims; ++a) {
      if (red[a]) continue;
      if (map_axis(a, r) < last) return keep_original(n);
      last = map_axis(a, r);
    }
    n.attrs.set("axes", mapped);
    if (keepdims) return finish_moved(n, r);
    ++converted_;
    g_.nodes.push_back(std::move(n));
  }

  void pad(Node& n, int r) {
    const Tensor* pads = constant_input(n, 1);
    if (!pads || pads->numel() != 2 * r || n.inputs.size() > 3) return keep_original(n);
    auto p = pads->to_i64_vector();
    auto perm = to_first(r);
    std::vector<int64_t> q(p.size());
    for (int i = 0; i < r; ++i) {
      q[i] = p[perm[i]];
      q[i + r] = p[perm[i] + r];
    }
    n.inputs[1] = i64_constant(g_.value(n.inputs[1]).name + "_nchw", q);
    finish_moved(n, r);
  }

  void slice(Node& n, int r) {
    std::vector<int64_t> axes;
    if (n.inputs.size() > 3 && n.inputs[3] >= 0) {
      const Tensor* a = constant_input(n, 3);
      if (!a) return keep_original(n);
      axes = a->to_i64_vector();
    } else {
      const Tensor* starts = constant_input(n, 1);
      if (!starts) return keep_original(n);
      for (int64_t i = 0; i < starts->numel(); ++i) axes.push_back(i);
    }
    for (int64_t& a : axes) a = map_axis(a, r);
    if (n.inputs.size() < 4) n.inputs.resize(4, -1);
    n.inputs[3] = i64_constant(n.name + "_axes_nchw", axes);
    finish_moved(n, r);
  }

  void resize(Node& n, int r) {
    if (n.attrs.has("axes")) return keep_original(n);
    auto perm = to_first(r);
    for (size_t i = 1; i < n.inputs.size() && i <= 3; ++i) {
      if (absent_or_empty(n, i)) continue;
      const Tensor* t = constant_input(n, i);
      if (!t) return keep_original(n);
      int64_t per = i == 1 ? 2 : 1;  // roi holds begins then ends
      if (t->numel() != per * r) return keep_original(n);
      Tensor q = t->clone();
      auto* dst = static_cast<uint8_t*>(q.raw());
      const auto* src = static_cast<const uint8_t*>(t->raw());
      size_t es = dtype_size(t->dtype());
      for (int64_t h = 0; h < per; ++h)
        for (int k = 0; k < r; ++k) std::memcpy(dst + (h * r + k) * es, src + (h * r + perm[k]) * es, es);
      n.inputs[i] = g_.add_constant(g_.unique_name(g_.value(n.inputs[i]).name + "_nchw"), q);
    }
    finish_moved(n, r);
  }

  void transpose_node(Node& n, int r) {
    auto p = transpose_perm(n.attrs, r);
    auto back = to_last(r);
    std::vector<int64_t> q(p.size());
    bool identity = true;
    for (size_t i = 0; i < p.size(); ++i) {
      q[i] = back[static_cast<size_t>(p[i])];
      identity &= q[i] == static_cast<int64_t>(i);
    }
    ++converted_;
    if (identity) {
      n.op = OpType::Identity;
      n.attrs = Attrs();
      log_.note("convert_to_nchw", std::string(pass_util::layer_name(n)) + ": transpose cancelled out");
    } else {
      n.attrs.set("perm", q);
    }
    g_.nodes.push_back(std::move(n));
  }

  // Flatten(P(x)) lists [N, H, W, C] in C, H, W order instead of H, W, C. When
  // only MatMuls with constant [H*W*C, K] weights read it (a Keras Flatten +
  // Dense head), their weight rows are reordered instead:
  //   W'[(c*H + h)*W + w, k] = W[(h*W + w)*C + c, k]
  void flatten(Node& n, int r) {
    const int x = n.inputs[0], f = n.outputs[0];
    const Value& xv = g_.value(x);
    if (r != 4 || n.attrs.i("axis", 1) != 1 || pass_util::is_graph_output(g_, f) || !xv.shape_known) return keep_original(n);
    const int64_t H = xv.shape[2], W = xv.shape[3], C = xv.shape[1];  // moved: [N, C, H, W]
    if (H < 0 || W < 0 || C < 0) return keep_original(n);
    std::vector<Node*> readers;
    for (Node& m : *old_)
      for (size_t i = 0; i < m.inputs.size(); ++i)
        if (m.inputs[i] == f) {
          const Value* w = m.inputs.size() > 1 && m.inputs[1] >= 0 ? &g_.value(m.inputs[1]) : nullptr;
          bool dense = m.op == OpType::MatMul && i == 0 && w && w->is_constant() && w->constant.rank() == 2 &&
                       w->constant.dim(0) == H * W * C && m.inputs[1] != f;
          if (!dense) return keep_original(n);
          readers.push_back(&m);
        }
    if (readers.empty()) return keep_original(n);
    for (Node* m : readers) {
      const Tensor& w = g_.value(m->inputs[1]).constant;
      const int64_t K = w.dim(1);
      const size_t row = static_cast<size_t>(K) * dtype_size(w.dtype());
      Tensor q(w.dtype(), w.shape());
      const auto* src = static_cast<const uint8_t*>(w.raw());
      auto* dst = static_cast<uint8_t*>(q.raw());
      for (int64_t c = 0; c < C; ++c)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t ww = 0; ww < W; ++ww)
            std::memcpy(dst + ((c * H + h) * W + ww) * row, src + ((h * W + ww) * C + c) * row, row);
      m->inputs[1] = g_.add_constant(g_.unique_name(g_.value(m->inputs[1]).name + "_nchw_rows"), q);
    }
    log_.note("convert_to_nchw", std::string(pass_util::layer_name(n)) +
                                     ": flattened channels-first, the Dense weights' rows reordered");
    ++converted_;
    g_.nodes.push_back(std::move(n));
  }

  void restore_output(int o) {
    auto it = out_moved_.find(o);
    if (it != out_moved_.end()) {  // the moved value computes it: transpose back into the output's name
      Node t;
      int m = it->second;
      t.op = OpType::Transpose;
      t.name = g_.unique_name(g_.value(o).name + "_nhwc");
      t.inputs = {m};
      t.outputs = {o};
      t.attrs.set("perm", to_last(rank_.at(m)));
      g_.value(o).layout = Layout::NHWC;
      g_.nodes.push_back(std::move(t));
    }
  }
};

}  // namespace

void convert_to_nchw(Graph& g, const std::vector<int>& ranks, bool nchw_io, PassLog& log) {
  ToNchw(g, ranks, nchw_io, log).run();
}

}  // namespace segrt
