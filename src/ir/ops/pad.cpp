// Shape of Pad (canonical opset-11+ form: data, pads, constant_value, and the
// opset-18 axes input; the importer moves opset-2 attributes to inputs).
// Modes constant, reflect, edge and wrap; pad_source_index, the index map of
// the host backends (ref, cpu), sits here beside pad_amounts.
#include "ir/ops/pad_util.h"
#include "ir/shape.h"

namespace segrt {

int64_t pad_source_index(int64_t i, int64_t len, const std::string& mode) {
  if (i >= 0 && i < len) return i;
  if (mode == "constant") return -1;
  if (mode == "edge") return i < 0 ? 0 : len - 1;
  if (mode == "wrap") return (i % len + len) % len;
  return i < 0 ? -i : 2 * (len - 1) - i;  // reflect
}

PadAmounts pad_amounts(const Tensor& pads, const Tensor* axes, int rank) {
  std::vector<int64_t> v = pads.to_i64_vector();
  std::vector<int> ax;
  if (axes && axes->numel() > 0) {
    for (int64_t a : axes->to_i64_vector()) ax.push_back(normalize_axis(a, rank));
  } else {
    for (int i = 0; i < rank; ++i) ax.push_back(i);
  }
  SEGRT_CHECK(v.size() == 2 * ax.size(), InvalidModel, "Pad pads has ", v.size(), " values, expected ", 2 * ax.size(),
              " (begin and end for each of ", ax.size(), " axes)");
  PadAmounts p;
  p.begin.assign(static_cast<size_t>(rank), 0);
  p.end.assign(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < ax.size(); ++i) {
    p.begin[ax[i]] = v[i];
    p.end[ax[i]] = v[i + ax.size()];
  }
  return p;
}

namespace {

void infer_pad(InferContext& c) {
  std::string mode = c.attrs().s("mode", "constant");
  SEGRT_CHECK(mode == "constant" || mode == "reflect" || mode == "edge" || mode == "wrap", Unsupported,
              "Pad mode '", mode, "' (supported: constant, reflect, edge, wrap)");
  const Shape& x = c.shape(0);
  const Tensor& pads = c.require_constant(1, "Pad pads");
  const Tensor* axes = c.has_input(3) ? &c.require_constant(3, "Pad axes") : nullptr;
  PadAmounts p = pad_amounts(pads, axes, static_cast<int>(x.size()));
  Shape out = x;
  for (size_t i = 0; i < x.size(); ++i) {
    out[i] = dim_add(dim_add(x[i], p.begin[i]), p.end[i]);
    SEGRT_CHECK(out[i] >= 0, InvalidModel, "Pad crops axis ", i, " of size ", x[i], " below zero (pads ", p.begin[i],
                ", ", p.end[i], ")");
    bool grows = p.begin[i] > 0 || p.end[i] > 0;
    if (mode == "reflect" && grows)  // a mirror needs a pixel to mirror about and one to copy
      SEGRT_CHECK(p.begin[i] < x[i] && p.end[i] < x[i], InvalidModel, "Pad mode 'reflect' by ", p.begin[i], ", ",
                  p.end[i], " on axis ", i, " of size ", x[i], " (pads must be smaller than the size)");
    if ((mode == "edge" || mode == "wrap") && grows)
      SEGRT_CHECK(x[i] > 0, InvalidModel, "Pad mode '", mode, "' on the empty axis ", i);
  }
  c.set_output(0, c.dtype(0), out, c.layout(0));
}

}  // namespace

SEGRT_SHAPE_FN(Pad, infer_pad);

}  // namespace segrt
