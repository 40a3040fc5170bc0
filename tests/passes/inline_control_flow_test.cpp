// If / Loop / Scan expanded at specialisation (passes/inline_control_flow.cpp):
// the chosen branch inlined, loops unrolled with carried values and stacked
// scan outputs, nested control flow, reads of enclosing values, early exit,
// the unroll limit and the refusals. Results are checked against values
// computed here by hand.
#include <cstring>

#include "ir/graph_wire.h"
#include "pass_test_util.h"

namespace segrt {
namespace {

using test::count_ops;

Tensor bool_scalar(bool v) {
  Tensor t(DType::boolean, {});
  static_cast<uint8_t*>(t.raw())[0] = v ? 1 : 0;
  return t;
}

int unary(Graph& g, OpType op, int x, const std::string& name) {
  int y = g.add_value(name);
  g.add_node(op, name, {x}, {y});
  return y;
}

int binary(Graph& g, OpType op, int a, int b, const std::string& name) {
  int y = g.add_value(name);
  g.add_node(op, name, {a, b}, {y});
  return y;
}

// A branch reading one enclosing value (its input) and returning op(x).
GraphRef branch(OpType op, const std::string& tag) {
  auto b = std::make_shared<Graph>();
  int x = b->add_value(tag + "_x");
  b->inputs.push_back(x);
  b->outputs.push_back(unary(*b, op, x, tag + "_y"));
  return b;
}

Node& add_if(Graph& g, const std::string& name, int cond, std::vector<int> implicit, GraphRef then_g, GraphRef else_g,
             int y) {
  std::vector<int> in{cond};
  in.insert(in.end(), implicit.begin(), implicit.end());
  Node& n = g.add_node(OpType::If, name, in, {y});
  n.attrs.set("then_branch", std::move(then_g));
  n.attrs.set("else_branch", std::move(else_g));
  n.attrs.set("implicit_inputs", static_cast<int64_t>(implicit.size()));
  return n;
}

std::vector<Tensor> run(const Graph& g, const std::vector<Tensor>& inputs, PassLog* log = nullptr) {
  Graph s = test::specialized(g, inputs, false, log);
  for (const Node& n : s.nodes) EXPECT_FALSE(has_subgraphs(n.op)) << n.name << " survived specialisation";
  return test::run_ref_graph(s, inputs);
}

void expect_values(const Tensor& t, const Shape& shape, const std::vector<double>& want) {
  ASSERT_EQ(shape_str(t.shape()), shape_str(shape));
  auto got = t.to_f64_vector();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << "element " << i;
}

// y = If(c, then: Relu(x), else: Neg(x)), c a constant.
Graph if_graph(bool c) {
  Graph g;
  int x = g.add_input("x", DType::f32, {2, 2});
  int cond = g.add_constant("c", bool_scalar(c));
  int y = g.add_value("y");
  add_if(g, "choose", cond, {x}, branch(OpType::Relu, "t"), branch(OpType::Neg, "e"), y);
  g.outputs.push_back(y);
  return g;
}

TEST(InlineControlFlow, IfTakesTheConstantBranch) {
  Tensor x = Tensor::from_vector({-1, 2, -3, 4}, {2, 2});
  PassLog log;
  expect_values(run(if_graph(true), {x}, &log)[0], {2, 2}, {0, 2, 0, 4});
  expect_values(run(if_graph(false), {x})[0], {2, 2}, {1, -2, 3, -4});
  bool logged = false;
  for (const auto& l : log.lines) logged |= l.find("If 'choose': condition true, inlined the then branch") != std::string::npos;
  EXPECT_TRUE(logged) << "the pass logs what it inlined";
}

// The outer If's then branch holds another If whose condition and data are
// values of the top graph (read through both levels).
TEST(InlineControlFlow, NestedIfReadsValuesTwoLevelsUp) {
  for (bool inner : {true, false}) {
    Graph g;
    int x = g.add_input("x", DType::f32, {3});
    int c1 = g.add_constant("c1", bool_scalar(true));
    int c2 = g.add_constant("c2", bool_scalar(inner));
    auto then_g = std::make_shared<Graph>();
    int tx = then_g->add_value("tx"), tc = then_g->add_value("tc");
    then_g->inputs = {tx, tc};
    int ty = then_g->add_value("ty");
    add_if(*then_g, "inner", tc, {tx}, branch(OpType::Abs, "it"), branch(OpType::Neg, "ie"), ty);
    then_g->outputs.push_back(ty);
    auto else_g = std::make_shared<Graph>();  // reads neither: its inputs stay unused
    int ex = else_g->add_value("ex"), ec = else_g->add_value("ec");
    else_g->inputs = {ex, ec};
    else_g->outputs.push_back(ex);
    int y = g.add_value("y");
    add_if(g, "outer", c1, {x, c2}, then_g, else_g, y);
    g.outputs.push_back(y);
    Tensor xv = Tensor::from_vector({-1, 2, -3}, {3});
    expect_values(run(g, {xv})[0], {3}, inner ? std::vector<double>{1, 2, 3} : std::vector<double>{1, -2, 3});
  }
}

// Loop(M, cond, v0; implicit x): body (i, c, v) -> (cond', v + x * table[i], scan = v')
// where cond' = c, or Less(i, stop) for an early exit.
struct LoopModel {
  Graph g;
  int x = -1;
};

LoopModel loop_graph(int64_t trips, bool with_cond, int64_t stop_after = -1) {
  LoopModel m;
  Graph& g = m.g;
  m.x = g.add_input("x", DType::f32, {2});
  int v0 = g.add_constant("v0", Tensor::from_vector({10, 20}, {2}));
  int mc = g.add_constant("M", Tensor::from_i64({trips}, {}));
  int cc = with_cond ? g.add_constant("cond", bool_scalar(true)) : -1;
  auto body = std::make_shared<Graph>();
  Graph& b = *body;
  int i = b.add_value("i"), c = b.add_value("c"), v = b.add_value("v"), bx = b.add_value("bx");
  b.inputs = {i, c, v, bx};
  int table = b.add_constant("table", Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {8}));
  int ti = binary(b, OpType::Gather, table, i, "ti");
  int step = binary(b, OpType::Mul, bx, ti, "step");
  int v2 = binary(b, OpType::Add, v, step, "v2");
  int scan = unary(b, OpType::Identity, v2, "scan");
  int cond_out = c;
  if (stop_after >= 0) cond_out = binary(b, OpType::Less, i, b.add_constant("stop", Tensor::from_i64({stop_after}, {})), "go");
  b.outputs = {cond_out, v2, scan};
  int vf = g.add_value("v_final"), sc = g.add_value("scans");
  Node& n = g.add_node(OpType::Loop, "loop", {mc, cc, v0, m.x}, {vf, sc});
  n.attrs.set("body", GraphRef(body));
  n.attrs.set("implicit_inputs", int64_t{1});
  g.outputs = {vf, sc};
  return m;
}

// Expected v after each iteration: v += x * table[i].
std::vector<std::vector<double>> loop_expected(int iterations, const std::vector<double>& x) {
  std::vector<std::vector<double>> r;
  std::vector<double> v{10, 20};
  for (int i = 0; i < iterations; ++i) {
    for (size_t k = 0; k < 2; ++k) v[k] += x[k] * (i + 1);
    r.push_back(v);
  }
  return r;
}

void expect_loop(const std::vector<Tensor>& out, int iterations, const std::vector<double>& x) {
  auto steps = loop_expected(iterations, x);
  expect_values(out[0], {2}, steps.back());
  std::vector<double> flat;
  for (const auto& s : steps) flat.insert(flat.end(), s.begin(), s.end());
  expect_values(out[1], {iterations, 2}, flat);
}

TEST(InlineControlFlow, LoopUnrollsCarriedValuesAndStacksScanOutputs) {
  Tensor x = Tensor::from_vector({0.5f, -1}, {2});
  expect_loop(run(loop_graph(4, true).g, {x}), 4, {0.5, -1});
  expect_loop(run(loop_graph(3, false).g, {x}), 3, {0.5, -1});  // ONNX's "for" form: no cond input
  expect_loop(run(loop_graph(1, true).g, {x}), 1, {0.5, -1});   // one iteration: Unsqueeze, no Concat
}

TEST(InlineControlFlow, LoopStopsWhenTheBodysConditionTurnsFalse) {
  Tensor x = Tensor::from_vector({1, 2}, {2});
  // cond' = i < 2: iterations 0, 1 and 2 run (the third returns false).
  expect_loop(run(loop_graph(8, true, 2).g, {x}), 3, {1, 2});
}

TEST(InlineControlFlow, LoopOfZeroIterationsGivesEmptyScanOutputs) {
  Tensor x = Tensor::from_vector({1, 2}, {2});
  auto out = run(loop_graph(0, true).g, {x});
  expect_values(out[0], {2}, {10, 20});
  EXPECT_EQ(shape_str(out[1].shape()), shape_str(Shape{0, 2}));
}

TEST(InlineControlFlow, UnrollLimitIsAClearError) {
  Tensor x = Tensor::from_vector({1, 2}, {2});
  LoopModel m = loop_graph(int64_t{1} << 40, false);  // the "for" form: refused before the first iteration
  try {
    run(m.g, {x});
    FAIL() << "a 2^40-iteration loop was unrolled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("exceeds segrt's limit"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'loop' (Loop)"), std::string::npos) << e.what();
  }
}

// A "for" Loop adding one per iteration: body (i, c, v) -> (c, v + 1).
GraphRef counting_body() {
  auto b = std::make_shared<Graph>();
  int i = b->add_value("i"), c = b->add_value("c"), v = b->add_value("v");
  b->inputs = {i, c, v};
  b->outputs = {c, binary(*b, OpType::Add, v, b->add_constant("one", Tensor::scalar_f32(1)), "v2")};
  return b;
}

// Loops in loops spend one budget: 400 x 400 single-node iterations pass the
// per-loop check but not the shared limit.
TEST(InlineControlFlow, NestedLoopsShareTheUnrollLimit) {
  auto nested = [](int64_t trips) {
    auto outer_body = std::make_shared<Graph>();
    Graph& b = *outer_body;
    int i = b.add_value("oi"), c = b.add_value("oc"), v = b.add_value("ov");
    b.inputs = {i, c, v};
    int inner_out = b.add_value("inner_out");
    Node& inner = b.add_node(OpType::Loop, "inner", {b.add_constant("im", Tensor::from_i64({trips}, {})), -1, v}, {inner_out});
    inner.attrs.set("body", counting_body());
    b.outputs = {c, inner_out};
    Graph g;
    int x = g.add_input("x", DType::f32, {});
    int y = g.add_value("y");
    Node& outer = g.add_node(OpType::Loop, "outer", {g.add_constant("m", Tensor::from_i64({trips}, {})), -1, x}, {y});
    outer.attrs.set("body", GraphRef(outer_body));
    g.outputs = {y};
    return g;
  };
  expect_values(run(nested(20), {Tensor::scalar_f32(1)})[0], {}, {401});
  try {
    run(nested(400), {Tensor::scalar_f32(1)});
    FAIL() << "400 x 400 nested iterations were unrolled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("nested loops count together"), std::string::npos) << e.what();
  }
}

// A condition fed by a graph input is not known at specialisation:
// NeedsConstant names that input (the engine binds it when small) and says why.
TEST(InlineControlFlow, RunTimeConditionNamesTheValueItComesFrom) {
  Graph g;
  int x = g.add_input("x", DType::f32, {2, 2});
  int c = g.add_input("c", DType::boolean, {});
  int y = g.add_value("y");
  add_if(g, "choose", c, {x}, branch(OpType::Relu, "t"), branch(OpType::Neg, "e"), y);
  g.outputs.push_back(y);
  PassLog log;
  try {
    specialize(g, {{2, 2}, {}}, log);
    FAIL() << "an If on a run-time condition was specialised";
  } catch (const NeedsConstant& e) {
    EXPECT_EQ(e.value_id(), c);
    EXPECT_NE(std::string(e.what()).find("node 'choose' (If)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("its condition depends on run-time data"), std::string::npos) << e.what();
  }
  // Bound to a value (what the engine does for a small input), it folds.
  Graph s = specialize(g, {{2, 2}, {}}, log, {{c, bool_scalar(false)}});
  EXPECT_EQ(count_ops(s, OpType::If), 0);
  EXPECT_EQ(count_ops(s, OpType::Neg), 1);
}

// The body's condition computed from a run-time value: blamed on the input
// behind it (here the enclosing value the body reads).
TEST(InlineControlFlow, RunTimeLoopConditionIsBlamedOnItsSource) {
  Graph g;
  int limit = g.add_input("limit", DType::f32, {});
  int mc = g.add_constant("M", Tensor::from_i64({5}, {}));
  int cc = g.add_constant("cond", bool_scalar(true));
  int v0 = g.add_constant("v0", Tensor::from_vector({0}, {}));
  auto body = std::make_shared<Graph>();
  Graph& b = *body;
  int i = b.add_value("i"), c = b.add_value("c"), v = b.add_value("v"), bl = b.add_value("bl");
  b.inputs = {i, c, v, bl};
  int v2 = binary(b, OpType::Add, v, b.add_constant("one", Tensor::scalar_f32(1)), "v2");
  b.outputs = {binary(b, OpType::Less, v2, bl, "go"), v2};
  int vf = g.add_value("vf");
  Node& n = g.add_node(OpType::Loop, "count", {mc, cc, v0, limit}, {vf});
  n.attrs.set("body", GraphRef(body));
  n.attrs.set("implicit_inputs", int64_t{1});
  g.outputs = {vf};
  PassLog log;
  try {
    specialize(g, {{}}, log);
    FAIL() << "a Loop whose condition depends on an input was specialised";
  } catch (const NeedsConstant& e) {
    EXPECT_EQ(e.value_id(), limit);
    EXPECT_NE(std::string(e.what()).find("its condition (the body's first output) depends on run-time data"),
              std::string::npos) << e.what();
  }
  // limit = 3: v = 1, 2, 3 (Less(3, 3) is false after the third iteration).
  Graph s = specialize(g, {{}}, log, {{limit, Tensor::scalar_f32(3)}});
  ASSERT_TRUE(s.value(s.outputs[0]).is_constant());
  EXPECT_EQ(s.value(s.outputs[0]).constant.to_f64_vector()[0], 3);
}

// A trip count read two levels down (a Loop in an If branch, M a graph
// input): NeedsConstant climbs back to the graph input, which binding fixes.
TEST(InlineControlFlow, NestedTripCountIsBlamedOnTheGraphInput) {
  Graph g;
  int x = g.add_input("x", DType::f32, {});
  int m = g.add_input("m", DType::i64, {});
  auto then_g = std::make_shared<Graph>();
  Graph& t = *then_g;
  int tx = t.add_value("tx"), tm = t.add_value("tm");
  t.inputs = {tx, tm};
  int ty = t.add_value("ty");
  t.add_node(OpType::Loop, "count", {tm, -1, tx}, {ty}).attrs.set("body", counting_body());
  t.outputs = {ty};
  auto else_g = std::make_shared<Graph>();
  int ex = else_g->add_value("ex"), em = else_g->add_value("em");
  else_g->inputs = {ex, em};
  else_g->outputs = {ex};
  int y = g.add_value("y");
  add_if(g, "branch", g.add_constant("c", bool_scalar(true)), {x, m}, then_g, else_g, y);
  g.outputs = {y};
  PassLog log;
  try {
    specialize(g, {{}, {}}, log);
    FAIL() << "a Loop with a run-time trip count was specialised";
  } catch (const NeedsConstant& e) {
    EXPECT_EQ(e.value_id(), m) << e.what();
    EXPECT_NE(std::string(e.what()).find("its trip count depends on run-time data"), std::string::npos) << e.what();
  }
  Graph s = specialize(g, {{}, {}}, log, {{m, Tensor::from_i64({5}, {})}});
  EXPECT_EQ(count_ops(s, OpType::Add), 5);
  auto out = test::run_ref_graph(s, {Tensor::scalar_f32(2), Tensor::from_i64({5}, {})});
  expect_values(out[0], {}, {7});
}

// Scan: running sum over the rows of x, forwards and backwards.
TEST(InlineControlFlow, ScanUnrollsAlongTheScanAxis) {
  for (int64_t dir : {0, 1}) {
    Graph g;
    int h0 = g.add_input("h0", DType::f32, {2});
    int x = g.add_input("x", DType::f32, {3, 2});
    auto body = std::make_shared<Graph>();
    Graph& b = *body;
    int h = b.add_value("h"), xt = b.add_value("xt");
    b.inputs = {h, xt};
    int h2 = binary(b, OpType::Add, h, xt, "h2");
    b.outputs = {h2, unary(b, OpType::Identity, h2, "s")};
    int hf = g.add_value("hf"), ss = g.add_value("ss");
    Node& n = g.add_node(OpType::Scan, "scan", {h0, x}, {hf, ss});
    n.attrs.set("body", GraphRef(body));
    n.attrs.set("num_scan_inputs", int64_t{1});
    n.attrs.set("scan_input_directions", std::vector<int64_t>{dir});
    n.attrs.set("implicit_inputs", int64_t{0});
    g.outputs = {hf, ss};
    auto out = run(g, {Tensor::from_vector({0, 0}, {2}), Tensor::from_vector({1, 2, 3, 4, 5, 6}, {3, 2})});
    expect_values(out[0], {2}, {9, 12});
    expect_values(out[1], {3, 2}, dir ? std::vector<double>{5, 6, 8, 10, 9, 12} : std::vector<double>{1, 2, 4, 6, 9, 12});
  }
}

// The isolated importer hands graphs over as bytes: subgraphs travel too.
TEST(InlineControlFlow, SubgraphsSurviveTheWireFormat) {
  LoopModel m = loop_graph(4, true);
  std::string bytes;
  write_graph(m.g, [&](const void* p, size_t n) { bytes.append(static_cast<const char*>(p), n); });
  size_t pos = 0;
  Graph back = read_graph(
      [&](void* p, size_t n) {
        ASSERT_LE(pos + n, bytes.size());
        std::memcpy(p, bytes.data() + pos, n);
        pos += n;
      },
      size_t{1} << 20);
  Tensor x = Tensor::from_vector({0.5f, -1}, {2});
  expect_loop(run(back, {x}), 4, {0.5, -1});
}

}  // namespace
}  // namespace segrt
