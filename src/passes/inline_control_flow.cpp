// Control flow folded at specialisation (If, Loop, Scan). Once input shapes are
// concrete, a condition or trip count is often a constant (an exporter's
// static flag, a loop over a known length); then the node is replaced by
// plain nodes and no backend ever sees it:
//
//   y = If(c, then: t(x), else: e(x)), c constant        =>  y = t(x) or e(x)
//   v_M, s = Loop(M, c, v_0; body(i, c, v) -> c', v', s_i)
//        =>  v_{i+1} = body(i, v_i) for i < M while c' holds;  s = Concat_i(Unsqueeze(s_i, 0))
//   h_T, s = Scan(h_0, x; body(h, x_t) -> h', s_t)
//        =>  h_{t+1} = body(h_t, Gather(x, t, axis));  s = Concat_t(Unsqueeze(s_t, axis))
//
// Each subgraph copy is specialised on its own: its inputs bound to the outer
// values (constant or not), constants folded, nested control flow expanded by
// the same code, recursively; the nodes left are spliced into the outer graph.
// The subgraphs' reads of enclosing values arrive as their trailing inputs
// ("implicit_inputs" of the node, made explicit by the importer).
//
// A condition or trip count that is not constant throws NeedsConstant naming
// the outer value it comes from: the engine binds the small graph inputs
// behind it and specialises again per value; one computed from run-time data
// ends as an Unsupported error naming the node.
#include <algorithm>
#include <limits>

#include "ir/shape.h"
#include "passes/pass.h"

namespace segrt {

namespace {

const char* const kWhy = "; segrt runs If/Loop/Scan only when they fold at specialisation (docs/ops.md)";

Error& with_owner(Error& e, const Node& owner) {
  return e.with_node(owner.source_name.empty() ? owner.name : owner.source_name, op_name(owner.op));
}

[[noreturn]] void over_budget(const Node& owner, const std::string& what) {
  Error e(ErrorKind::Unsupported, what + " exceeds segrt's limit of " + std::to_string(kMaxUnrolledNodes) +
                                      " subgraph nodes instantiated per specialisation (nested loops count together)" + kWhy);
  throw with_owner(e, owner);
}

[[noreturn]] void needs(int value_id, const Node& owner, const std::string& what) {
  NeedsConstant e(value_id, what + " depends on run-time data" + kWhy);
  with_owner(e, owner);
  throw e;  // as NeedsConstant: the engine may bind the inputs behind it
}

bool truth(const Tensor& t, const Node& owner, const char* what) {
  if (t.numel() != 1) {
    Error e(ErrorKind::InvalidModel, std::string(what) + " must hold one element, it has shape " + shape_str(t.shape()));
    throw with_owner(e, owner);
  }
  return t.to_f64_vector()[0] != 0;
}

void check_signature(bool ok, const Node& owner, const std::string& what) {
  if (ok) return;
  Error e(ErrorKind::InvalidModel, what);
  throw with_owner(e, owner);
}

Tensor bool_scalar(bool v) {
  Tensor t(DType::boolean, {});
  static_cast<uint8_t*>(t.raw())[0] = v ? 1 : 0;
  return t;
}

// A NeedsConstant raised for `sub_id` inside a subgraph, re-aimed at the outer
// value it comes from: the one subgraph input it depends on (blame[i] is the
// outer value standing behind input i, -1 for none), or the owner's first
// output when several are involved (the engine then binds every small input
// the owner reads).
NeedsConstant blame_outer(const Graph& g, const Graph& sub, int sub_id, const std::vector<int>& blame,
                          const Node& owner, const std::string& detail) {
  std::vector<char> seen(sub.values.size(), 0);
  std::vector<int> stack{sub_id}, found;
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (id < 0 || id >= static_cast<int>(seen.size()) || seen[id]) continue;
    seen[id] = 1;
    for (size_t i = 0; i < sub.inputs.size(); ++i)
      if (sub.inputs[i] == id && blame[i] >= 0 && !g.value(blame[i]).is_constant() &&
          std::find(found.begin(), found.end(), blame[i]) == found.end())
        found.push_back(blame[i]);
    int p = sub.value(id).producer;
    if (p >= 0 && p < static_cast<int>(sub.nodes.size()))
      for (int in : sub.nodes[p].inputs) stack.push_back(in);
  }
  NeedsConstant e(found.size() == 1 ? found[0] : owner.outputs.at(0), detail);
  return e;
}

// One subgraph instance: a copy of `sub` with its inputs bound to the outer
// values `args`, specialised and folded, its remaining nodes appended to
// `out` with ids of g (values named `tag` + their subgraph name). Returns the
// outer ids of its outputs.
std::vector<int> instantiate(Graph& g, const Node& owner, const Graph& sub, const std::vector<int>& args,
                             const std::vector<int>& blame, const std::string& tag, std::vector<Node>& out,
                             int64_t& budget) {
  budget -= std::max<int64_t>(1, static_cast<int64_t>(sub.nodes.size()));
  if (budget < 0) over_budget(owner, "expanding it");
  for (int a : args) check_signature(a >= 0, owner, "an input the subgraph takes is missing");
  Graph s = sub;
  for (size_t i = 0; i < args.size(); ++i) {
    const Value& a = g.value(args[i]);
    Value& v = s.value(s.inputs[i]);
    v.dtype = a.dtype;
    v.shape = a.shape;
    v.shape_known = a.shape_known;
    v.layout = a.layout;
    v.constant = a.constant;
  }
  for (Value& v : s.values)
    if (v.is_constant()) {
      v.shape = v.constant.shape();
      v.dtype = v.constant.dtype();
      v.shape_known = true;
    }
  PassLog inner;
  try {
    fold_constants(s, inner, &budget);  // nested If/Loop/Scan expand here, from the same budget
  } catch (const NeedsConstant& e) {
    NeedsConstant outer = blame_outer(g, sub, e.value_id(), blame, owner,
                                      e.detail() + " (inside " + op_name(owner.op) + " '" + owner.name + "')");
    outer.with_node(e.node(), e.op());
    throw outer;
  }
  std::vector<int> map(s.values.size(), -1);
  for (size_t i = 0; i < args.size(); ++i) map[s.inputs[i]] = args[i];
  auto outer = [&](int id) -> int {
    if (id < 0) return -1;
    if (map[id] >= 0) return map[id];
    const Value& v = s.value(id);
    int o = v.is_constant() ? g.add_constant(tag + v.name, v.constant) : g.add_value(tag + v.name, v.dtype);
    Value& ov = g.value(o);
    ov.shape = v.shape;
    ov.shape_known = v.shape_known;
    ov.layout = v.layout;
    return map[id] = o;
  };
  for (const Node& n : s.nodes) {
    Node m = n;
    m.name = tag + n.name;
    for (int& i : m.inputs) i = outer(i);
    for (int& o : m.outputs) o = outer(o);
    out.push_back(std::move(m));
  }
  std::vector<int> res;
  for (int o : s.outputs) res.push_back(outer(o));
  return res;
}

// A node the expansion adds (output copies, scan slices and stacking), named
// under the owner's first output and traced back to the owner's source.
Node plain_node(const Node& owner, OpType op, const std::string& name, std::vector<int> in, std::vector<int> out) {
  Node n;
  n.op = op;
  n.name = name;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.source_name = owner.source_name;
  n.source_op = owner.source_op;
  return n;
}

// The per-iteration values s_0..s_{T-1} stacked along a new axis: Unsqueeze
// each, then Concat (one iteration: the Unsqueeze alone).
void stack_into(Graph& g, const Node& owner, const std::vector<int>& parts, int64_t axis, int result,
                const std::string& tag, std::vector<Node>& out) {
  int axes = g.add_constant(tag + "/axes", Tensor::from_i64({axis}, {1}));
  std::vector<int> expanded;
  for (size_t t = 0; t < parts.size(); ++t) {
    int u = parts.size() == 1 ? result : g.add_value(tag + "/" + std::to_string(t), g.value(parts[t]).dtype);
    out.push_back(plain_node(owner, OpType::Unsqueeze, tag + "/unsqueeze" + std::to_string(t), {parts[t], axes}, {u}));
    expanded.push_back(u);
  }
  if (parts.size() == 1) return;
  out.push_back(plain_node(owner, OpType::Concat, tag + "/concat", expanded, {result}));
  out.back().attrs.set("axis", axis);
}

// A scan output of a loop that ran zero times: an empty tensor whose element
// shape comes from one probe instance of the body (not spliced).
void empty_scan_outputs(Graph& g, const Node& owner, const Graph& body, const std::vector<int>& args,
                        size_t first_scan, size_t out_first, const std::string& tag, std::vector<Node>& out,
                        int64_t& budget) {
  std::vector<Node> probe;
  std::vector<int> res = instantiate(g, owner, body, args, std::vector<int>(args.size(), -1), tag + "/probe", probe, budget);
  for (size_t k = first_scan; k < res.size(); ++k) {
    const Value& v = g.value(res[k]);
    check_signature(v.shape_known, owner, "the shape of scan output " + std::to_string(k - first_scan) +
                                              " is unknown for a loop that runs zero times");
    Shape s = v.shape;
    s.insert(s.begin(), 0);
    int c = g.add_constant(tag + "/empty" + std::to_string(k), Tensor(v.dtype, s));
    const int result = owner.outputs[out_first + k - first_scan];
    out.push_back(plain_node(owner, OpType::Identity, g.value(result).name + "/empty", {c}, {result}));
  }
}

// Fails before the first iteration when a known count cannot fit the budget.
void check_budget(int64_t iterations, const Graph& body, const Node& owner, int64_t budget) {
  const int64_t cost = std::max<int64_t>(1, static_cast<int64_t>(body.nodes.size()));
  if (iterations <= budget / cost) return;
  over_budget(owner, "unrolling " + std::to_string(iterations) + " iterations of a " +
                         std::to_string(body.nodes.size()) + "-node body");
}

std::vector<Node> expand_if(Graph& g, const Node& n, PassLog& log, int64_t& budget) {
  check_signature(!n.inputs.empty() && n.inputs[0] >= 0, n, "If has no condition input");
  if (!g.value(n.inputs[0]).is_constant()) needs(n.inputs[0], n, "its condition");
  const bool take = truth(g.value(n.inputs[0]).constant, n, "If's condition");
  const Graph& branch = n.attrs.graph(take ? "then_branch" : "else_branch");
  std::vector<int> args(n.inputs.begin() + 1, n.inputs.end());
  check_signature(branch.inputs.size() == args.size() && branch.outputs.size() == n.outputs.size(), n,
                  "the branch's inputs and outputs do not match the node's");
  std::vector<Node> out;
  const std::string tag = g.value(n.outputs.at(0)).name + (take ? "/then/" : "/else/");
  std::vector<int> res = instantiate(g, n, branch, args, args, tag, out, budget);
  const size_t spliced = out.size();
  for (size_t k = 0; k < res.size(); ++k)
    out.push_back(plain_node(n, OpType::Identity, tag + "out" + std::to_string(k), {res[k]}, {n.outputs[k]}));
  log.note("inline_control_flow", "If '" + n.name + "': condition " + (take ? "true" : "false") + ", inlined the " +
                                      (take ? "then" : "else") + " branch (" + std::to_string(spliced) + " nodes left)");
  return out;
}

// ONNX Loop: inputs (M, cond, v_initial[N], implicit[K]); body inputs
// (iteration, cond, v[N], implicit[K]) and outputs (cond, v[N], scan[S]); node
// outputs (v_final[N], scan[S]). An absent M loops while cond; an absent cond
// loops M times and ignores the body's cond (ONNX's "for" form).
std::vector<Node> expand_loop(Graph& g, const Node& n, PassLog& log, int64_t& budget) {
  const Graph& body = n.attrs.graph("body");
  const int64_t K = n.attrs.i("implicit_inputs", 0);
  const int64_t N = static_cast<int64_t>(n.inputs.size()) - 2 - K;
  const int64_t S = static_cast<int64_t>(body.outputs.size()) - 1 - N;
  check_signature(K >= 0 && N >= 0 && S >= 0 && static_cast<int64_t>(body.inputs.size()) == 2 + N + K &&
                      static_cast<int64_t>(n.outputs.size()) == N + S,
                  n, "the body's inputs and outputs do not match the node's");
  const bool has_m = n.inputs[0] >= 0, has_cond = n.inputs[1] >= 0;
  check_signature(has_m || has_cond, n, "Loop has neither a trip count nor a condition (it would never end)");
  int64_t trips = std::numeric_limits<int64_t>::max();
  if (has_m) {
    if (!g.value(n.inputs[0]).is_constant()) needs(n.inputs[0], n, "its trip count");
    const Tensor& m = g.value(n.inputs[0]).constant;
    check_signature(m.numel() == 1, n, "the trip count must hold one element");
    trips = m.to_i64_vector()[0];
  }
  bool cond = true;
  if (has_cond) {
    if (!g.value(n.inputs[1]).is_constant()) needs(n.inputs[1], n, "its condition");
    cond = truth(g.value(n.inputs[1]).constant, n, "Loop's condition");
  }
  std::vector<int> carried(n.inputs.begin() + 2, n.inputs.begin() + 2 + N);
  const std::vector<int> implicit(n.inputs.begin() + 2 + N, n.inputs.end());
  std::vector<std::vector<int>> scans(static_cast<size_t>(S));
  std::vector<Node> out;
  const std::string root = g.value(n.outputs.empty() ? n.inputs[0] : n.outputs[0]).name, base = root + "/iter";
  if (!has_cond) check_budget(trips, body, n, budget);  // the "for" form: the count is known now
  int64_t i = 0;
  for (; i < trips && cond; ++i) {
    const std::string tag = base + std::to_string(i) + "/";
    std::vector<int> args{g.add_constant(tag + "iteration", Tensor::from_i64({i}, {})),
                          g.add_constant(tag + "cond", bool_scalar(true))};
    std::vector<int> blame{-1, -1};
    for (int v : carried) {
      args.push_back(v);
      blame.push_back(i == 0 ? v : n.outputs.at(0));  // later: computed by earlier iterations
    }
    args.insert(args.end(), implicit.begin(), implicit.end());
    blame.insert(blame.end(), implicit.begin(), implicit.end());
    std::vector<int> res = instantiate(g, n, body, args, blame, tag, out, budget);
    if (has_cond) {
      if (!g.value(res[0]).is_constant()) {
        NeedsConstant e = blame_outer(g, body, body.outputs[0], blame, n,
                                      "its condition (the body's first output) depends on run-time data" + std::string(kWhy));
        with_owner(e, n);
        throw e;
      }
      cond = truth(g.value(res[0]).constant, n, "the body's condition output");
    }
    for (int64_t k = 0; k < N; ++k) carried[k] = res[1 + k];
    for (int64_t k = 0; k < S; ++k) scans[k].push_back(res[1 + N + k]);
  }
  for (int64_t k = 0; k < N; ++k)
    out.push_back(plain_node(n, OpType::Identity, root + "/out" + std::to_string(k), {carried[k]}, {n.outputs[k]}));
  if (S > 0 && i == 0) {
    std::vector<int> args{g.add_constant(base + "0/iteration", Tensor::from_i64({0}, {})),
                          g.add_constant(base + "0/cond", bool_scalar(true))};
    args.insert(args.end(), carried.begin(), carried.end());
    args.insert(args.end(), implicit.begin(), implicit.end());
    empty_scan_outputs(g, n, body, args, static_cast<size_t>(1 + N), static_cast<size_t>(N), base, out, budget);
  }
  for (int64_t k = 0; k < S && i > 0; ++k)
    stack_into(g, n, scans[k], 0, n.outputs[N + k], root + "/scan" + std::to_string(k), out);
  log.note("inline_control_flow", "Loop '" + n.name + "': unrolled " + std::to_string(i) + " iterations (" +
                                      std::to_string(out.size()) + " nodes left)");
  return out;
}

// ONNX Scan (opset 9 on): inputs (state[N], scan[M], implicit[K]); body inputs
// (state[N], slice[M], implicit[K]) and outputs (state[N], scan_out[S]). The
// length T is the scan inputs' extent along their axes, known once shapes are.
std::vector<Node> expand_scan(Graph& g, const Node& n, PassLog& log, int64_t& budget) {
  const Graph& body = n.attrs.graph("body");
  const int64_t M = n.attrs.i("num_scan_inputs", 0);
  const int64_t K = n.attrs.i("implicit_inputs", 0);
  const int64_t N = static_cast<int64_t>(n.inputs.size()) - M - K;
  const int64_t S = static_cast<int64_t>(body.outputs.size()) - N;
  check_signature(M >= 1 && K >= 0 && N >= 0 && S >= 0 && static_cast<int64_t>(body.inputs.size()) == N + M + K &&
                      static_cast<int64_t>(n.outputs.size()) == N + S,
                  n, "the body's inputs and outputs do not match the node's");
  const auto in_axes = n.attrs.ints("scan_input_axes", std::vector<int64_t>(M, 0));
  const auto in_dirs = n.attrs.ints("scan_input_directions", std::vector<int64_t>(M, 0));
  const auto out_axes = n.attrs.ints("scan_output_axes", std::vector<int64_t>(S, 0));
  const auto out_dirs = n.attrs.ints("scan_output_directions", std::vector<int64_t>(S, 0));
  check_signature(static_cast<int64_t>(in_axes.size()) == M && static_cast<int64_t>(in_dirs.size()) == M &&
                      static_cast<int64_t>(out_axes.size()) == S && static_cast<int64_t>(out_dirs.size()) == S,
                  n, "scan_input_* / scan_output_* name a different number of inputs / outputs");
  int64_t T = -1;
  std::vector<int> axes(M);
  for (int64_t j = 0; j < M; ++j) {
    check_signature(n.inputs[N + j] >= 0, n, "scan input " + std::to_string(j) + " is missing");
    const Value& x = g.value(n.inputs[N + j]);
    check_signature(x.shape_known && !x.shape.empty(), n, "scan input " + std::to_string(j) + " has no axis to scan");
    axes[j] = normalize_axis(in_axes[j], static_cast<int>(x.shape.size()));
    check_signature(T < 0 || x.shape[axes[j]] == T, n, "the scan inputs differ in length");
    T = x.shape[axes[j]];
  }
  check_budget(T, body, n, budget);
  std::vector<int> state(n.inputs.begin(), n.inputs.begin() + N);
  const std::vector<int> implicit(n.inputs.begin() + N + M, n.inputs.end());
  std::vector<std::vector<int>> scans(static_cast<size_t>(S));
  std::vector<Node> out;
  const std::string root = g.value(n.outputs.at(0)).name, base = root + "/step";
  for (int64_t t = 0; t < T; ++t) {
    const std::string tag = base + std::to_string(t) + "/";
    std::vector<int> args = state, blame = state;
    if (t > 0) std::fill(blame.begin(), blame.end(), n.outputs[0]);
    for (int64_t j = 0; j < M; ++j) {  // x_t = Gather(x, t, axis): the slice without the axis
      int x = n.inputs[N + j];
      int index = g.add_constant(tag + "index" + std::to_string(j), Tensor::from_i64({in_dirs[j] ? T - 1 - t : t}, {}));
      int slice = g.add_value(tag + "slice" + std::to_string(j));
      Node gather = plain_node(n, OpType::Gather, tag + "slice" + std::to_string(j), {x, index}, {slice});
      gather.attrs.set("axis", static_cast<int64_t>(axes[j]));
      if (!fold_node(g, gather)) out.push_back(std::move(gather));  // shape (and value) known for the body
      args.push_back(slice);
      blame.push_back(x);
    }
    args.insert(args.end(), implicit.begin(), implicit.end());
    blame.insert(blame.end(), implicit.begin(), implicit.end());
    std::vector<int> res = instantiate(g, n, body, args, blame, tag, out, budget);
    for (int64_t k = 0; k < N; ++k) state[k] = res[k];
    for (int64_t k = 0; k < S; ++k) scans[k].push_back(res[N + k]);
  }
  for (int64_t k = 0; k < N; ++k)
    out.push_back(plain_node(n, OpType::Identity, root + "/out" + std::to_string(k), {state[k]}, {n.outputs[k]}));
  for (int64_t k = 0; k < S; ++k) {
    check_signature(T > 0, n, "a Scan over zero-length inputs with scan outputs is not supported");
    auto parts = scans[k];
    if (out_dirs[k]) std::reverse(parts.begin(), parts.end());
    const Value& first = g.value(parts[0]);
    check_signature(first.shape_known, n, "scan output " + std::to_string(k) + " has no known shape");
    const int64_t axis = normalize_axis(out_axes[k], static_cast<int>(first.shape.size()) + 1);
    stack_into(g, n, parts, axis, n.outputs[N + k], root + "/scan" + std::to_string(k), out);
  }
  log.note("inline_control_flow", "Scan '" + n.name + "': unrolled " + std::to_string(T) + " steps (" +
                                      std::to_string(out.size()) + " nodes left)");
  return out;
}

}  // namespace

std::vector<Node> expand_control_flow(Graph& g, const Node& n, PassLog& log, int64_t& budget) {
  check_signature(!n.outputs.empty(), n, std::string(op_name(n.op)) + " has no outputs");
  switch (n.op) {
    case OpType::If: return expand_if(g, n, log, budget);
    case OpType::Loop: return expand_loop(g, n, log, budget);
    case OpType::Scan: return expand_scan(g, n, log, budget);
    default: SEGRT_FAIL(Internal, "expand_control_flow called on ", op_name(n.op));
  }
}

}  // namespace segrt
