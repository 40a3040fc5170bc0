// Shape of Slice (opset 10+ form: starts, ends, axes, steps are inputs; the
// importer turns opset 1-9 attributes into constant inputs).
#include "ir/ops/slice_util.h"

#include <algorithm>
#include <cstdint>

#include "ir/shape.h"

namespace segrt {

std::vector<SliceRange> slice_ranges(const Shape& in, const std::vector<int64_t>& starts,
                                     const std::vector<int64_t>& ends, const std::vector<int64_t>& axes_in,
                                     const std::vector<int64_t>& steps_in) {
  const int r = static_cast<int>(in.size());
  const size_t k = starts.size();
  SEGRT_CHECK(ends.size() == k, InvalidModel, "Slice has ", k, " starts but ", ends.size(), " ends");
  std::vector<int64_t> axes = axes_in, steps = steps_in;
  if (axes.empty())
    for (size_t i = 0; i < k; ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(k, 1);
  SEGRT_CHECK(axes.size() == k && steps.size() == k, InvalidModel, "Slice has ", k, " starts, ", axes.size(),
              " axes and ", steps.size(), " steps");
  std::vector<SliceRange> out(in.size());
  std::vector<char> seen(in.size(), 0);
  for (int d = 0; d < r; ++d) out[d] = {0, 1, in[d]};
  for (size_t i = 0; i < k; ++i) {
    const int axis = normalize_axis(axes[i], r);
    SEGRT_CHECK(!seen[axis], InvalidModel, "Slice names axis ", axis, " twice");
    seen[axis] = 1;
    const int64_t dim = in[axis], step = steps[i];
    SEGRT_CHECK(step != 0, InvalidModel, "Slice step must not be 0");
    // ONNX: negative indices count from the end, then clamp to [0, dim] going
    // forwards or [-1, dim-1] going backwards (INT64_MIN/MAX mean "to the end").
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    int64_t count;
    if (dim == 0) {
      s = 0;
      count = 0;
    } else if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      // (e - s - 1) / step + 1, not (e - s + step - 1) / step: a model's step may be 2^63 - 1.
      count = e > s ? (e - s - 1) / step + 1 : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      // The step's magnitude unsigned: -INT64_MIN does not exist as int64.
      const uint64_t mag = step == INT64_MIN ? uint64_t{1} << 63 : static_cast<uint64_t>(-step);
      count = s > e ? static_cast<int64_t>(static_cast<uint64_t>(s - e - 1) / mag) + 1 : 0;
    }
    out[axis] = {s, step, count};
  }
  return out;
}

namespace {

std::vector<int64_t> optional_ints(const InferContext& c, int i, const char* what) {
  return c.has_input(i) ? c.require_constant(i, what).to_i64_vector() : std::vector<int64_t>{};
}

void infer_slice(InferContext& c) {
  SEGRT_CHECK(c.has_input(1) && c.has_input(2), InvalidModel, "Slice needs starts and ends inputs");
  auto ranges = slice_ranges(c.shape(0), optional_ints(c, 1, "starts"), optional_ints(c, 2, "ends"),
                             optional_ints(c, 3, "axes"), optional_ints(c, 4, "steps"));
  Shape s;
  for (const auto& rg : ranges) s.push_back(rg.count);
  c.set_output(0, c.dtype(0), s, c.layout(0));
}

}  // namespace

SEGRT_SHAPE_FN(Slice, infer_slice);

}  // namespace segrt
