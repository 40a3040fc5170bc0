// Concat without copies (after MNN's geometry concat): each input of a Concat
// can be written by its producer straight into its slice of the output buffer.
// The pass only marks the plan; it changes no semantics:
//
//   z = Concat(a, b, axis)   gets   in_place = 1,
//                                   in_place_offsets = [0, a.shape[axis]]
//
// meaning "value a lives at z[..., 0:a.shape[axis], ...], b right after it".
// A backend that honours the mark allocates z once, makes a and b views into
// it and skips the Concat; one that ignores it copies as usual. Marked inputs
// are produced by a single-output node, are not graph inputs, outputs or
// constants, appear once in the Concat and belong to no other marked Concat.
// Readers other than the Concat (a U-Net skip also feeds MaxPool) read the view.
#include "ir/shape.h"
#include "passes/pass.h"
#include "passes/pass_util.h"

namespace segrt {

namespace {

bool input_can_live_in_slice(const Graph& g, int v, const std::vector<char>& claimed) {
  const Value& val = g.value(v);
  if (val.is_constant() || val.producer < 0 || claimed[v] || pass_util::is_graph_output(g, v)) return false;
  const Node& p = g.nodes[val.producer];
  if (p.outputs.size() != 1) return false;
  if (p.op == OpType::Concat && p.attrs.i("in_place", 0)) return false;  // no nested buffers
  return val.shape_known;
}

}  // namespace

void concat_in_place(Graph& g, PassLog& log) {
  std::vector<char> claimed(g.values.size(), 0);  // already a slice of some marked Concat
  for (auto& n : g.nodes) {
    if (n.op != OpType::Concat || n.inputs.size() < 2 || n.attrs.i("in_place", 0)) continue;
    const Value& out = g.value(n.outputs[0]);
    if (!out.shape_known) continue;
    int axis = normalize_axis(n.attrs.i("axis", 0), static_cast<int>(out.shape.size()));
    bool ok = true;
    std::vector<int64_t> offsets;
    int64_t off = 0;
    for (size_t k = 0; k < n.inputs.size() && ok; ++k) {
      int v = n.inputs[k];
      for (size_t j = 0; j < k; ++j) ok &= n.inputs[j] != v;
      ok = ok && v >= 0 && input_can_live_in_slice(g, v, claimed) && g.value(v).dtype == out.dtype;
      if (!ok) break;
      offsets.push_back(off);
      off += g.value(v).shape[axis];
    }
    if (!ok || off != out.shape[axis]) continue;
    for (int v : n.inputs) claimed[v] = 1;
    n.attrs.set("in_place", int64_t{1});
    n.attrs.set("in_place_offsets", offsets);
    log.note("concat_in_place", std::string(pass_util::layer_name(n)) + ": " + std::to_string(n.inputs.size()) +
                                    " producers write into slices of its output");
  }
}

}  // namespace segrt
