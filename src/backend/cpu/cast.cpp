// Cast on plain data as an own parallel loop over core's cast_elements (the
// reference's exact rules: float -> integer truncates and saturates, integers
// wrap, float16 / bfloat16 round to nearest even). oneDNN's reorder rounds
// float -> int to nearest, so it is not used.
#include <algorithm>

#include "backend/cpu/cpu.h"

namespace segrt::cpu {

namespace {

bool lower_cast(Compiler& c, const Node& n, std::string* why) {  // every dtype of src/core
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const DType from = g.value(x).dtype, to = g.value(y).dtype;
  if (g.value(x).is_constant()) return *why = "constant input", false;
  const int64_t count = shape_numel(g.value(x).shape);
  int xs = c.as_plain(x);
  c.define(y, c.plain_md(y), false);
  c.add(host_step(n.name, {xs}, {y}, [=](const std::vector<void*>& ptr) {
    const int64_t chunk = 1 << 16;
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < count; b += chunk) cast_elements(from, ptr[xs], to, ptr[y], b, std::min(count, b + chunk));
  }));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Cast, lower_cast);

}  // namespace segrt::cpu
