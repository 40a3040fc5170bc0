// Shape inference: one function per op, registered next to the op's shape
// logic in src/ir/ops/<family>.cpp with one line:
//
//   SEGRT_SHAPE_FN(Relu, infer_same_as_input0);
//
// Shapes are inferred on concrete input shapes (the runtime specialises a
// model to its actual input shapes first); a shape function may read constant
// inputs (Reshape's shape, Slice's starts) through InferContext::constant().
#pragma once
#include "ir/graph.h"

namespace segrt {

class InferContext {
 public:
  InferContext(Graph& g, Node& n) : g_(g), n_(n) {}
  const Node& node() const { return n_; }
  const Attrs& attrs() const { return n_.attrs; }
  int num_inputs() const { return static_cast<int>(n_.inputs.size()); }
  int num_outputs() const { return static_cast<int>(n_.outputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && n_.inputs[i] >= 0; }
  const Shape& shape(int i) const;
  int rank(int i) const { return static_cast<int>(shape(i).size()); }
  DType dtype(int i) const;
  Layout layout(int i) const;
  // The constant value of input i, or nullptr when it is computed at run time.
  const Tensor* constant(int i) const;
  // Like constant(), but fails with a clear message when the input is not constant.
  const Tensor& require_constant(int i, const char* what) const;
  void set_output(int i, DType dtype, Shape shape, Layout layout = Layout::Plain);

 private:
  Graph& g_;
  Node& n_;
};

// Thrown by InferContext::require_constant: names the value that shape
// inference needs as data. The engine binds the graph inputs that value is
// computed from (a Reshape target shape fed as a graph input) and specialises
// again per distinct value; everyone else sees an ordinary Unsupported error.
class NeedsConstant : public Error {
 public:
  NeedsConstant(int value_id, std::string detail)
      : Error(ErrorKind::Unsupported, std::move(detail)), value_id_(value_id) {}
  int value_id() const { return value_id_; }

 private:
  int value_id_;
};

using ShapeFn = void (*)(InferContext&);

bool register_shape_fn(OpType op, ShapeFn fn);
ShapeFn shape_fn(OpType op);

// Infers the outputs of node n (all its inputs must have known shapes).
void infer_node(Graph& g, Node& n);
// Infers every node in order. Errors name the node and its shapes.
void infer_shapes(Graph& g);
// Structural checks: ids in range, topological order, every op has a shape
// function, graph inputs/outputs exist. Throws InvalidModel.
void verify_graph(const Graph& g);

// Shared helpers for shape functions.
void infer_same_as_input0(InferContext& c);
// Numpy-style multidirectional broadcast; fails with both shapes in the message.
Shape broadcast_shapes(const Shape& a, const Shape& b);
// Normalises a possibly negative axis against rank r; fails when out of range.
int normalize_axis(int64_t axis, int r);
// a * b for sizes that come from a model (Reshape targets, Tile repeats): a
// product past 2^63 is a hostile or broken model (InvalidModel), never a
// wrap-around (found by fuzz_onnx: a Reshape to [3, 256, 2^63 - 1]).
int64_t dim_mul(int64_t a, int64_t b);
// a + b for the same sizes (Pad amounts): past 2^63 is InvalidModel too.
int64_t dim_add(int64_t a, int64_t b);

}  // namespace segrt

#define SEGRT_SHAPE_CAT2(a, b) a##b
#define SEGRT_SHAPE_CAT(a, b) SEGRT_SHAPE_CAT2(a, b)
#define SEGRT_SHAPE_FN(Op, fn)                                            \
  static const bool SEGRT_SHAPE_CAT(segrt_shape_reg_##Op##_, __LINE__) = \
      ::segrt::register_shape_fn(::segrt::OpType::Op, fn)
