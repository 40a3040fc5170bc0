// Shape-function table, inference driver and the graph verifier.
#include "ir/shape.h"

#include "core/registry.h"

namespace segrt {

namespace {
struct ShapeFnTag;
using ShapeFns = Registry<OpType, ShapeFn, ShapeFnTag>;
}  // namespace

bool register_shape_fn(OpType op, ShapeFn fn) { return ShapeFns::add(op, fn); }

ShapeFn shape_fn(OpType op) { return ShapeFns::get(op); }

const Shape& InferContext::shape(int i) const {
  SEGRT_CHECK(has_input(i), InvalidModel, "input ", i, " is missing");
  const Value& v = g_.value(n_.inputs[i]);
  SEGRT_CHECK(v.shape_known, Internal, "shape of input '", v.name, "' not inferred yet");
  return v.shape;
}

DType InferContext::dtype(int i) const {
  SEGRT_CHECK(has_input(i), InvalidModel, "input ", i, " is missing");
  return g_.value(n_.inputs[i]).dtype;
}

Layout InferContext::layout(int i) const {
  SEGRT_CHECK(has_input(i), InvalidModel, "input ", i, " is missing");
  return g_.value(n_.inputs[i]).layout;
}

const Tensor* InferContext::constant(int i) const {
  if (!has_input(i)) return nullptr;
  const Value& v = g_.value(n_.inputs[i]);
  return v.is_constant() ? &v.constant : nullptr;
}

const Tensor& InferContext::require_constant(int i, const char* what) const {
  // A node with fewer inputs than its op needs (found by fuzz_onnx: a Reshape
  // with no shape input) is a model error, not a read past its input list.
  SEGRT_CHECK(has_input(i), InvalidModel, what, " (input ", i, ") is missing");
  const Tensor* t = constant(i);
  if (!t)
    throw NeedsConstant(n_.inputs[i], detail::concat(what, " (input ", i, ") must be a constant or computable at load time"));
  return *t;
}

void InferContext::set_output(int i, DType dtype, Shape shape, Layout layout) {
  SEGRT_CHECK(i < num_outputs(), InvalidModel, "output ", i, " is missing");
  Value& v = g_.value(n_.outputs[i]);
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.shape_known = true;
  v.layout = layout;
}

void infer_node(Graph& g, Node& n) {
  ShapeFn fn = shape_fn(n.op);
  SEGRT_CHECK(fn, Internal, "no shape function for op ", op_name(n.op));
  try {
    InferContext c(g, n);
    fn(c);
  } catch (Error& e) {
    g.annotate(e, n);
    throw;  // keeps the dynamic type (NeedsConstant)
  }
}

void infer_shapes(Graph& g) {
  for (auto& n : g.nodes) infer_node(g, n);
}

void verify_graph(const Graph& g) {
  int nv = static_cast<int>(g.values.size());
  std::vector<char> defined(g.values.size(), 0);
  for (int i : g.inputs) {
    SEGRT_CHECK(i >= 0 && i < nv, InvalidModel, "graph input id out of range");
    defined[i] = 1;
  }
  for (int i = 0; i < nv; ++i)
    if (g.values[i].is_constant()) defined[i] = 1;
  for (const auto& n : g.nodes) {
    try {
      SEGRT_CHECK(shape_fn(n.op), Unsupported, "op has no implementation in this build");
      for (int in : n.inputs) {
        if (in < 0) continue;
        SEGRT_CHECK(in < nv, InvalidModel, "input id out of range");
        SEGRT_CHECK(defined[in], InvalidModel, "reads '", g.values[in].name,
                    "' before it is produced (or it is never produced)");
      }
      for (int out : n.outputs) {
        SEGRT_CHECK(out >= 0 && out < nv, InvalidModel, "output id out of range");
        SEGRT_CHECK(!defined[out], InvalidModel, "value '", g.values[out].name,
                    "' is defined twice");
        defined[out] = 1;
      }
    } catch (Error& e) {
      throw g.annotate(e, n);
    }
  }
  for (int o : g.outputs) {
    SEGRT_CHECK(o >= 0 && o < nv, InvalidModel, "graph output id out of range");
    SEGRT_CHECK(defined[o], InvalidModel, "graph output '", g.values[o].name,
                "' is never produced");
  }
}

void infer_same_as_input0(InferContext& c) {
  c.set_output(0, c.dtype(0), c.shape(0), c.layout(0));
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1) out[i] = da;
    else if (da == 1) out[i] = db;
    else SEGRT_FAIL(InvalidModel, "shapes ", shape_str(a), " and ", shape_str(b), " do not broadcast");
  }
  return out;
}

int64_t dim_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) SEGRT_FAIL(InvalidModel, "a size of ", a, " x ", b, " has more than 2^63 elements");
  return r;
}

int64_t dim_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) SEGRT_FAIL(InvalidModel, "a size of ", a, " + ", b, " is past 2^63");
  return r;
}

int normalize_axis(int64_t axis, int r) {
  int64_t a = axis < 0 ? axis + r : axis;
  SEGRT_CHECK(a >= 0 && a < std::max(r, 1), InvalidModel, "axis ", axis, " out of range for rank ", r);
  return static_cast<int>(a);
}

}  // namespace segrt
