// One op-tester case per op of ops.def, run on every built backend against the
// reference (tests/ops/op_tester.h: table tolerances, native execution
// asserted). OpTester.EveryOpHasACase fails for an op without one, so an op
// added to ops.def needs one line in cases() below, e.g.
//
//   {OpType::Tanh, [] { return unary(OpType::Tanh); }},
//   {OpType::Gather, [] { return C(OpType::Gather, {rnd({5, 4}), i64c({3, -1, 0}, {3})}, {{"axis", int64_t{0}}}); }},
//
// Activations (SEGRT_ACT in ops.def) get theirs from the list itself; the
// ONNX-coverage ops have theirs in op_cases_coverage.h.
// Awkward shapes on purpose: odd sizes, 1, 13, non-square.
#include <functional>
#include <map>

#include "ir/activation.h"
#include "ops/op_runner.h"
#include "ops/op_tester.h"

namespace segrt {
namespace {

using test::In;

// A case: a one-node graph (inputs In() are run time, Const() initializers) and its run-time values.
struct Case {
  Graph g;
  std::vector<Tensor> feed;
  bool fold = true;  // false: shape-time ops (Shape, Constant...) reach the backend as nodes
};

Tensor rnd(Shape s, float lo = -1.f, float hi = 1.f) {
  static uint32_t seed = 1000;
  return test::random_tensor(std::move(s), seed++, lo, hi);
}
In i64c(const std::vector<int64_t>& v, Shape s) { return test::Const(Tensor::from_i64(v, std::move(s))); }
In f32c(Tensor t) { return test::Const(std::move(t)); }

Case C(OpType op, const std::vector<In>& ins, std::initializer_list<std::pair<const char*, AttrValue>> attrs = {},
       int outputs = 1) {
  Case c{test::one_op_graph(op, ins, test::attrs_of(attrs), outputs), {}};
  for (const auto& in : ins)
    if (!in.t.empty() && !in.constant) c.feed.push_back(in.t);
  return c;
}
Case unary(OpType op, float lo = -3.f, float hi = 3.f) { return C(op, {rnd({2, 3, 7, 5}, lo, hi)}); }
Case conv(OpType op, Shape x, Shape w, std::vector<int64_t> pads, std::vector<int64_t> strides) {
  return C(op, {rnd(x), f32c(rnd(w, -0.5f, 0.5f)), f32c(rnd({op == OpType::Conv ? w[0] : w[1]}))},
           {{"pads", pads}, {"strides", strides}, {"kernel_shape", std::vector<int64_t>{w[2], w[3]}}});
}
Case binary(OpType op, Shape a, Shape b, float lo = -1.f) { return C(op, {rnd(a, lo, 2), rnd(b, lo, 2)}); }

using V = std::vector<int64_t>;

}  // namespace
}  // namespace segrt

#include "ops/op_cases_coverage.h"  // uses Case, C, rnd... above

namespace segrt {
namespace {

const std::map<OpType, std::function<Case()>>& cases() {
  static const std::map<OpType, std::function<Case()>> m = [] {
    std::map<OpType, std::function<Case()>> t = {
        {OpType::Conv, [] { return conv(OpType::Conv, {1, 3, 13, 17}, {8, 3, 3, 3}, {1, 1, 1, 1}, {1, 1}); }},
        {OpType::ConvTranspose, [] { return conv(OpType::ConvTranspose, {1, 6, 7, 9}, {6, 4, 2, 2}, {0, 0, 0, 0}, {2, 2}); }},
        {OpType::MaxPool, [] { return C(OpType::MaxPool, {rnd({2, 13, 9, 10})}, {{"kernel_shape", V{3, 3}}, {"strides", V{2, 2}}, {"pads", V{1, 1, 1, 1}}}); }},
        {OpType::AveragePool, [] { return C(OpType::AveragePool, {rnd({1, 5, 11, 12})}, {{"kernel_shape", V{2, 2}}, {"strides", V{2, 2}}}); }},
        {OpType::GlobalAveragePool, [] { return C(OpType::GlobalAveragePool, {rnd({2, 7, 9, 5})}); }},
        {OpType::GlobalMaxPool, [] { return C(OpType::GlobalMaxPool, {rnd({1, 3, 4, 6})}); }},
        {OpType::Resize, [] { return C(OpType::Resize, {rnd({1, 8, 7, 5}), test::Absent(), f32c(Tensor::from_vector({1, 1, 2, 2}, {4}))},
                                       {{"mode", std::string("nearest")}, {"coordinate_transformation_mode", std::string("asymmetric")},
                                        {"nearest_mode", std::string("floor")}}); }},
        {OpType::Concat, [] { return C(OpType::Concat, {rnd({2, 3, 5, 7}), rnd({2, 13, 5, 7})}, {{"axis", int64_t{1}}}); }},
        {OpType::Split, [] { return C(OpType::Split, {rnd({3, 13}), i64c({1, 3, 9}, {3})}, {{"axis", int64_t{-1}}}, 3); }},
        {OpType::Slice, [] { return C(OpType::Slice, {rnd({4, 9, 6}), i64c({1, -1}, {2}), i64c({3, 0}, {2}), i64c({0, 1}, {2}), i64c({1, -2}, {2})}); }},
        {OpType::Pad, [] { return C(OpType::Pad, {rnd({1, 3, 5, 6}), i64c({0, 0, 1, 2, 0, 0, 2, 1}, {8})}, {{"mode", std::string("reflect")}}); }},
        {OpType::Reshape, [] { return C(OpType::Reshape, {rnd({2, 3, 4}), i64c({6, -1}, {2})}); }},
        {OpType::Flatten, [] { return C(OpType::Flatten, {rnd({2, 3, 5})}, {{"axis", int64_t{2}}}); }},
        {OpType::Transpose, [] { return C(OpType::Transpose, {rnd({2, 3, 5, 7})}, {{"perm", V{0, 2, 3, 1}}}); }},
        {OpType::Squeeze, [] { return C(OpType::Squeeze, {rnd({1, 3, 1, 5}), i64c({0, 2}, {2})}); }},
        {OpType::Unsqueeze, [] { return C(OpType::Unsqueeze, {rnd({3, 5}), i64c({0, 3}, {2})}); }},
        {OpType::Expand, [] { return C(OpType::Expand, {rnd({3, 1}), i64c({2, 3, 4}, {3})}); }},
        {OpType::DepthToSpace, [] { return C(OpType::DepthToSpace, {rnd({2, 12, 3, 5})}, {{"blocksize", int64_t{2}}, {"mode", std::string("CRD")}}); }},
        {OpType::SpaceToDepth, [] { return C(OpType::SpaceToDepth, {rnd({1, 3, 6, 10})}, {{"blocksize", int64_t{2}}}); }},
        {OpType::Add, [] { return binary(OpType::Add, {2, 3, 5, 7}, {3, 1, 1}); }},
        {OpType::Sub, [] { return binary(OpType::Sub, {2, 3, 5, 7}, {2, 3, 5, 7}); }},
        {OpType::Mul, [] { return binary(OpType::Mul, {1, 13, 3, 3}, {1, 13, 3, 3}); }},
        {OpType::Div, [] { return binary(OpType::Div, {2, 3, 4}, {2, 3, 4}, 0.5f); }},
        {OpType::Pow, [] { return binary(OpType::Pow, {2, 7}, {7}, 0.5f); }},
        {OpType::Max, [] { return binary(OpType::Max, {1, 3, 5, 5}, {1, 3, 5, 5}); }},
        {OpType::Min, [] { return binary(OpType::Min, {4, 5}, {4, 5}); }},
        {OpType::Sum, [] { return C(OpType::Sum, {rnd({3, 4}), rnd({3, 4}), rnd({3, 4})}); }},
        {OpType::PRelu, [] { return C(OpType::PRelu, {rnd({2, 5, 3, 4}), f32c(rnd({5, 1, 1}))}); }},
        {OpType::BatchNormalization, [] { return C(OpType::BatchNormalization, {rnd({2, 7, 5, 3}), f32c(rnd({7})), f32c(rnd({7})), f32c(rnd({7})),
                                                                             f32c(rnd({7}, 0.5f, 2.f))}, {{"epsilon", 1e-3}}); }},
        {OpType::InstanceNormalization, [] { return C(OpType::InstanceNormalization, {rnd({2, 5, 7, 9}), f32c(rnd({5})), f32c(rnd({5}))}, {{"epsilon", 1e-5}}); }},
        {OpType::Softmax, [] { return C(OpType::Softmax, {rnd({2, 5, 3, 7}, -4, 4)}, {{"axis", int64_t{1}}}); }},
        {OpType::LogSoftmax, [] { return C(OpType::LogSoftmax, {rnd({3, 11}, -4, 4)}, {{"axis", int64_t{-1}}}); }},
        {OpType::Gemm, [] { return C(OpType::Gemm, {rnd({6, 9}), f32c(rnd({5, 9})), f32c(rnd({5}))}, {{"transB", int64_t{1}}}); }},
        {OpType::MatMul, [] { return C(OpType::MatMul, {rnd({2, 9, 16}), f32c(rnd({16, 8}))}); }},
        {OpType::ArgMax, [] { return C(OpType::ArgMax, {rnd({2, 6, 5, 4})}, {{"axis", int64_t{1}}, {"keepdims", int64_t{1}}}); }},
        {OpType::ReduceMean, [] { return C(OpType::ReduceMean, {rnd({2, 6, 5, 3}, 0.5f, 1.5f)}, {{"axes", V{2, 3}}, {"keepdims", int64_t{1}}}); }},
        {OpType::Identity, [] { return C(OpType::Identity, {rnd({3, 5})}); }},
        {OpType::Dropout, [] { return C(OpType::Dropout, {rnd({3, 5})}); }},
        {OpType::Gather, [] { return C(OpType::Gather, {rnd({5, 4}), i64c({3, -1, 0, 3}, {4})}, {{"axis", int64_t{0}}}); }},
        {OpType::Cast, [] { return C(OpType::Cast, {rnd({3, 5, 7}, -300, 300)}, {{"to", std::string("int64")}}); }},
        // Shape-time ops, kept as nodes (fold = false) so the backend runs them.
        {OpType::Shape, [] { Case c = C(OpType::Shape, {rnd({2, 3, 5})}, {{"start", int64_t{-2}}}); c.fold = false; return c; }},
        {OpType::ConstantOfShape, [] { Case c = C(OpType::ConstantOfShape, {i64c({3, 5}, {2})}); c.fold = false; return c; }},
        {OpType::Constant, [] { Case c = C(OpType::Constant, {}, {{"value_floats", std::vector<double>{0.5, -1, 2}}}); c.fold = false; return c; }},
    };
    test_cases::add_coverage_cases(t);
    for (OpType op : kActivationOps)  // every SEGRT_ACT line: Sqrt on positive values
      t[op] = [op] { return op == OpType::Sqrt ? unary(op, 0.1f, 4.f) : unary(op); };
    return t;
  }();
  return m;
}

TEST(OpTester, EveryOpHasACase) {
  for (int i = 0; i < kNumOps; ++i) {
    OpType op = static_cast<OpType>(i);
    if (has_subgraphs(op)) continue;  // expanded at specialisation, no kernel: tests/passes/inline_control_flow_test.cpp
    EXPECT_TRUE(cases().count(op)) << op_name(op) << " (src/ir/ops.def) has no case in tests/ops/op_cases_test.cpp";
  }
}

TEST(OpTester, EveryOpOnEveryBackend) {
  for (const auto& [op, make] : cases()) {
    SCOPED_TRACE(op_name(op));
    if (!ref::kernel(op)) {
      ADD_FAILURE() << op_name(op) << " has no reference kernel";
      continue;
    }
    Case c = make();
    test::expect_matches_ref(c.g, c.feed, {.what = op_name(op), .fold = c.fold});
  }
}

// A Conv followed by every activation: fused where the backend computes it
// inside the convolution, a node of its own where it does not, never a Conv
// on the reference kernel (the CPU declines oneDNN-less post-ops).
TEST(OpTester, ConvThenEveryActivation) {
  for (OpType act : kActivationOps) {
    SCOPED_TRACE(op_name(act));
    Graph g;
    int x = g.add_input("x", DType::f32, {1, 4, 9, 7});
    int w = g.add_constant("w", test::random_tensor({6, 4, 3, 3}, 7, -0.5f, 0.5f));
    int b = g.add_constant("b", test::random_tensor({6}, 8));
    int y = g.add_value("y"), z = g.add_value("z");
    Node& n = g.add_node(OpType::Conv, "conv", {x, w, b}, {y});
    n.attrs.set("kernel_shape", V{3, 3});
    n.attrs.set("pads", V{1, 1, 1, 1});
    g.add_node(act, "act", {y}, {z});
    g.outputs = {z};
    if (act == OpType::Sqrt) {  // positive inputs for Sqrt: Abs first would need a second activation; shift by the bias
      g.value(b).constant = test::random_tensor({6}, 8, 20.f, 21.f);
    }
    test::Check check{.what = op_name(act)};
    // A step (x > alpha) is judged at fp32 only: at fp16 / bf16 a rounded
    // convolution output next to alpha lands on either side of it.
    if (act == OpType::ThresholdedRelu) check.precisions = {"fp32"};
    test::expect_matches_ref(g, {test::random_tensor({1, 4, 9, 7}, 9)}, check);
  }
}

}  // namespace
}  // namespace segrt
