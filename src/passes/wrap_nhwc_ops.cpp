// Keeps a channels-last graph's layout where a consumer cannot express it
// (ONNX's spatial ops are channels-first only): each NHWC spatial op becomes
//
//   op_NHWC(x) = Transpose(op_NCHW(Transpose(x, [0, r-1, 1..r-2])), [0, 2..r-1, 1])
//
// which is what `--layout keep` exports (convert_to_nchw removes the pairs).
#include "passes/export_passes.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

int input_rank(const Graph& g, const Node& n, const std::vector<int>& ranks) {
  int x = n.inputs[0];
  if (x < static_cast<int>(ranks.size()) && ranks[x] >= 0) return ranks[x];
  const Value& v = g.value(x);
  if (v.shape_known) return static_cast<int>(v.shape.size());
  if ((n.op == OpType::Conv || n.op == OpType::ConvTranspose) && n.inputs.size() > 1 &&
      g.value(n.inputs[1]).is_constant())
    return g.value(n.inputs[1]).constant.rank();
  if (n.attrs.has("kernel_shape")) return static_cast<int>(n.attrs.ints("kernel_shape").size()) + 2;
  return -1;
}

int add_transpose(Graph& g, std::vector<Node>& out, int x, int y, std::vector<int64_t> perm, const Node& near,
                  const std::string& suffix) {
  if (y < 0) y = g.add_value(g.unique_name(g.value(x).name + suffix), g.value(x).dtype);
  Node t;
  t.op = OpType::Transpose;
  t.name = g.unique_name(near.name + suffix);
  t.source_name = near.source_name;
  t.inputs = {x};
  t.outputs = {y};
  t.attrs.set("perm", std::move(perm));
  out.push_back(std::move(t));
  return y;
}

}  // namespace

void wrap_nhwc_ops(Graph& g, const std::vector<int>& ranks, PassLog& log) {
  std::vector<Node> out;
  int wrapped = 0;
  for (Node& n : g.nodes) {
    if (n.attrs.s("layout", "NCHW") != "NHWC") {
      out.push_back(std::move(n));
      continue;
    }
    const int r = input_rank(g, n, ranks);
    if (r == 2) {  // [N, C]: the channel axis is 1 in either layout
      n.attrs.erase("layout");
      out.push_back(std::move(n));
      continue;
    }
    SEGRT_CHECK(r >= 3, Unsupported, "layer '", pass_util::layer_name(n), "' (", op_name(n.op),
                "): the rank of its input is unknown, so it cannot be wrapped in transposes");
    std::vector<int64_t> first = {0, r - 1}, last = {0};
    for (int i = 1; i < r - 1; ++i) first.push_back(i);
    for (int i = 2; i < r; ++i) last.push_back(i);
    last.push_back(1);
    Node near;  // names for the transposes (n itself moves into `out`)
    near.name = n.name;
    near.source_name = n.source_name;
    n.inputs[0] = add_transpose(g, out, n.inputs[0], -1, first, near, "_nchw");
    n.attrs.erase("layout");
    std::vector<int> finals = n.outputs;
    for (int& o : n.outputs) o = g.add_value(g.unique_name(g.value(o).name + "_nchw"), g.value(o).dtype);
    std::vector<int> moved = n.outputs;
    out.push_back(std::move(n));
    for (size_t k = 0; k < finals.size(); ++k) add_transpose(g, out, moved[k], finals[k], last, near, "_nhwc");
    ++wrapped;
  }
  g.nodes = std::move(out);
  g.topo_sort();
  if (wrapped) log.note("wrap_nhwc_ops", std::to_string(wrapped) + " channels-last ops wrapped in transposes");
}

}  // namespace segrt
