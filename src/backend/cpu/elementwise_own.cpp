// Elementwise ops oneDNN does not compute the reference's way, as own loops:
// Pow (oneDNN has no binary pow; its eltwise pow needs a constant exponent
// and rounds differently), Sum, Max and Min of any number of inputs, PRelu,
// and the arithmetic elementwise_dnnl.cpp's binary primitive cannot take (both
// operands broadcast, a broadcast first operand of Sub / Div, a fused
// activation oneDNN has no post-op for). Each value is computed in double
// and rounded once, as the reference does, so results match it exactly.
// Inputs of the output's shape are read in the first input's format (blocked
// included, when the op keeps padding lanes zero); broadcasting inputs are
// read on plain data through broadcast strides. PRelu with a per-channel or
// scalar slope runs in any format.
#include <cmath>

#include "backend/cpu/channel_view.h"
#include "ir/activation.h"

namespace segrt::cpu {

namespace {

double apply(OpType op, double a, double b) {
  switch (op) {
    case OpType::Pow: return b == 2.0 ? a * a : std::pow(a, b);
    case OpType::PRelu: return a >= 0 ? a : a * b;
    case OpType::Sub: return a - b;
    case OpType::Mul: return a * b;
    case OpType::Div: return a / b;
    case OpType::Max: return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
    case OpType::Min: return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
    default: return a + b;  // Add, Sum
  }
}

// Maps zero operands to zero, so blocked padding lanes stay zero.
bool keeps_zero(OpType op) { return op != OpType::Pow && op != OpType::Div; }

// What elementwise_dnnl.cpp's oneDNN binary lowering takes: two operands, one of the
// output's shape and computed at run time (the first, for Sub and Div).
bool binary_primitive_takes(const Graph& g, const Node& n) {
  if (n.inputs.size() != 2) return false;
  Activation act = Activation::from_fused_attrs(n.attrs);
  dnnl::algorithm alg;
  float a, b;
  if (!act.none() && !dnnl_eltwise(act.op, act.alpha, act.beta, &alg, &a, &b)) return false;
  const Shape& out = g.value(n.outputs[0]).shape;
  auto full = [&](int v) { return g.value(v).shape == out && !g.value(v).is_constant(); };
  bool commutative = n.op != OpType::Sub && n.op != OpType::Div;
  return full(n.inputs[0]) || (commutative && full(n.inputs[1]));
}

struct Operand {
  int slot = -1;     // a slot, or
  Tensor constant;   // a constant's bytes (shared buffer)
  dnnl::memory mem;  // a constant reordered into the output's format
  std::vector<int64_t> strides;  // broadcast path: strides over the output's dims (0 = broadcast)
};

const float* operand_ptr(const Operand& o, const std::vector<void*>& ptr) {
  if (o.slot >= 0) return static_cast<const float*>(ptr[o.slot]);
  if (o.mem) return static_cast<const float*>(o.mem.get_data_handle());
  return o.constant.data<float>();
}

// All operands in one format, count floats each.
// The reference's rounding: the value in double rounded once, then the fused activation in float.
inline float finish(double acc, const Activation& act) {
  return act.none() ? static_cast<float>(acc) : act(static_cast<float>(acc));
}

void same_shape_kernel(OpType op, const std::vector<const float*>& in, float* y, int64_t count, const Activation& act) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) {
    double acc = in[0][i];
    for (size_t k = 1; k < in.size(); ++k) acc = apply(op, acc, in[k][i]);
    y[i] = finish(acc, act);
  }
}

void broadcast_kernel(OpType op, const std::vector<const float*>& in, const std::vector<Operand>& ops, float* y,
                      const Shape& out, const Activation& act) {
  const size_t r = out.size();
  const int64_t last = r ? out.back() : 1;
  int64_t rows = 1;
  for (size_t a = 0; a + 1 < r; ++a) rows *= out[a];
#pragma omp parallel for schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    std::vector<int64_t> off(in.size(), 0);
    int64_t rem = row;
    for (size_t a = r - 1; a-- > 0;) {
      const int64_t i = rem % out[a];
      rem /= out[a];
      for (size_t k = 0; k < in.size(); ++k) off[k] += i * ops[k].strides[a];
    }
    float* d = y + row * last;
    for (int64_t j = 0; j < last; ++j) {
      double acc = in[0][off[0] + j * (r ? ops[0].strides[r - 1] : 0)];
      for (size_t k = 1; k < in.size(); ++k) acc = apply(op, acc, in[k][off[k] + j * (r ? ops[k].strides[r - 1] : 0)]);
      d[j] = finish(acc, act);
    }
  }
}

// Strides of `in` over the output's dims: numpy broadcasting, right-aligned.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  int64_t s = 1;
  for (size_t i = 0; i < in.size(); ++i) {
    size_t a = in.size() - 1 - i, o = out.size() - 1 - i;
    st[o] = in[a] == 1 ? 0 : s;
    s *= in[a];
  }
  return st;
}

// PRelu with a slope that is one value per channel (or one value): y = x >= 0 ? x : x * slope[c], any format.
bool lower_prelu_channels(Compiler& c, const Node& n) {
  const Graph& g = c.g;
  int x = n.inputs[0], sv = n.inputs[1], y = n.outputs[0];
  const Value& xv = g.value(x);
  if (!g.value(sv).is_constant() || xv.shape != g.value(y).shape) return false;
  const int r = static_cast<int>(xv.shape.size());
  const Slot& s = c.slots[x];
  bool last = s.spatial ? s.nhwc : xv.layout == Layout::NHWC && r > 2;
  int ch = r < 2 ? -1 : last ? r - 1 : 1;
  Shape ss = g.value(sv).shape;
  if (static_cast<int>(ss.size()) > r) return false;
  ss.insert(ss.begin(), r - ss.size(), 1);
  for (int a = 0; a < r; ++a)
    if (ss[a] != 1 && a != ch) return false;  // not per channel
  ChannelInput in = channel_input(c, x, last);
  auto slope = g.value(sv).constant.to_f64_vector();
  std::vector<double> per_lane(static_cast<size_t>(in.view.nblk * in.view.blk), 0.0);
  for (int64_t k = 0; k < in.view.C; ++k) per_lane[k] = slope[slope.size() == 1 ? 0 : k];
  ChannelView v = define_like(c, y, in);
  int xs = in.slot;
  c.add(host_step(n.name, {xs}, {y}, [=](const std::vector<void*>& ptr) {
    const float* src = static_cast<const float*>(ptr[xs]);
    float* dst = static_cast<float*>(ptr[y]);
#pragma omp parallel for schedule(static)
    for (int64_t row = 0; row < v.N * v.nblk * v.S; ++row) {
      const double* sl = per_lane.data() + ((row / v.S) % v.nblk) * v.blk;
      for (int64_t l = 0; l < v.blk; ++l) {
        const float a = src[row * v.blk + l];
        dst[row * v.blk + l] = a >= 0 ? a : static_cast<float>(a * sl[l]);
      }
    }
  }));
  return true;
}

bool lower_elementwise(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int y = n.outputs[0];
  const Value& yv = g.value(y);
  for (int v : n.inputs)
    if (v < 0 || g.value(v).dtype != DType::f32) return *why = "float32 only", false;
  if (yv.dtype != DType::f32 || n.inputs.empty()) return *why = "float32 only", false;
  if (shape_numel(yv.shape) == 0) return *why = "empty output", false;
  const Activation act = Activation::from_fused_attrs(n.attrs);  // written by the fuse pass on Add
  bool arithmetic = n.op != OpType::Pow && n.op != OpType::Sum && n.op != OpType::PRelu;
  if (arithmetic && binary_primitive_takes(g, n)) return *why = "oneDNN binary (elementwise_dnnl.cpp)", false;
  if (n.op == OpType::PRelu && act.none() && lower_prelu_channels(c, n)) return true;
  std::vector<Operand> ops(n.inputs.size());
  bool same = true;
  for (int v : n.inputs) same &= g.value(v).shape == yv.shape;
  // The format of the first computed input, when every input has the output's shape.
  int lead = -1;
  for (int v : n.inputs)
    if (lead < 0 && !g.value(v).is_constant()) lead = v;
  const Slot* ls = lead >= 0 ? &c.slots[lead] : nullptr;
  bool spatial = same && ls && ls->spatial && ls->md.data_type() == dnnl::memory::data_type::f32 &&
                 c.alias_of[lead] < 0 && ((keeps_zero(n.op) && (act.none() || act(0.f) == 0.f)) || !has_padding(ls->md));
  md_t md = spatial ? ls->md : c.plain_md(y);
  std::vector<int> reads;
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    int v = n.inputs[k];
    Operand& o = ops[k];
    if (g.value(v).is_constant()) {
      if (spatial) o.mem = c.constant(g.value(v).constant, c.spatial_view(v, ls->nhwc), md);
      else o.constant = g.value(v).constant;
    } else {
      o.slot = spatial ? c.as_spatial(v, ls->nhwc, md) : c.as_plain(v);
      reads.push_back(o.slot);
    }
    if (!same) o.strides = broadcast_strides(g.value(v).shape, yv.shape);
  }
  if (spatial) c.define(y, md, true, ls->nhwc);
  else c.define(y, c.plain_md(y), false);
  const int64_t count = static_cast<int64_t>(md.get_size() / sizeof(float));
  const OpType op = n.op;
  const Shape out = yv.shape;
  c.add(host_step(n.name, reads, {y}, [=](const std::vector<void*>& ptr) {
    std::vector<const float*> in;
    for (const Operand& o : ops) in.push_back(operand_ptr(o, ptr));
    if (same) same_shape_kernel(op, in, static_cast<float*>(ptr[y]), count, act);
    else broadcast_kernel(op, in, ops, static_cast<float*>(ptr[y]), out, act);
  }));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Pow, lower_elementwise);
SEGRT_CPU_LOWERING(Sum, lower_elementwise);
SEGRT_CPU_LOWERING(PRelu, lower_elementwise);
SEGRT_CPU_LOWERING(Add, lower_elementwise);
SEGRT_CPU_LOWERING(Sub, lower_elementwise);
SEGRT_CPU_LOWERING(Mul, lower_elementwise);
SEGRT_CPU_LOWERING(Div, lower_elementwise);
SEGRT_CPU_LOWERING(Max, lower_elementwise);
SEGRT_CPU_LOWERING(Min, lower_elementwise);

}  // namespace segrt::cpu
