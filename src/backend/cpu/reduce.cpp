// ArgMax and ReduceMean on the CPU backend.
// ArgMax (the class map of a segmentation net) is an own kernel over a
// ChannelView: over the channel axis it reads the input in its own format
// (blocked included), any other axis is viewed as [outer, len, inner] on
// plain data. It keeps the first maximum (the last with select_last_index)
// and treats NaN as the maximum, as the reference does.
// ReduceMean is oneDNN's reduction primitive, reading the input's format.
#include <cmath>

#include "backend/cpu/channel_view.h"
#include "ir/ops/reduce_util.h"
#include "ir/shape.h"

namespace segrt::cpu {

namespace {

// y[n * S + p] = the channel of the maximum of x(n, ., p).
void argmax_kernel(const float* x, int64_t* y, const ChannelView& v, bool last) {
  constexpr int64_t kChunk = 256;  // positions per task: their best values stay in L1
  const int64_t chunks = (v.S + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static)
  for (int64_t task = 0; task < v.N * chunks; ++task) {
    const int64_t n = task / chunks, p0 = (task % chunks) * kChunk, p1 = std::min(v.S, p0 + kChunk);
    float best[kChunk];
    int64_t index[kChunk];
    for (int64_t p = p0; p < p1; ++p) {
      best[p - p0] = x[v.offset(n, 0, p)];
      index[p - p0] = 0;
    }
    // Channels in ascending order for every position: block, lane, then
    // positions innermost (contiguous when blk is 1, so it vectorises).
    for (int64_t cb = 0; cb < v.nblk; ++cb) {
      const int64_t lanes = std::min(v.blk, v.C - cb * v.blk);
      const float* xs = x + (n * v.nblk + cb) * v.S * v.blk;
      for (int64_t l = cb == 0 ? 1 : 0; l < lanes; ++l) {
        const int64_t ch = cb * v.blk + l;
        for (int64_t p = p0; p < p1; ++p) {
          const float val = xs[p * v.blk + l], b = best[p - p0];
          // The first NaN wins (the last with select_last_index); else the first (last) maximum.
          const bool take = !(std::isnan(b) && !last) && (std::isnan(val) || val > b || (last && val == b));
          best[p - p0] = take ? val : b;
          index[p - p0] = take ? ch : index[p - p0];
        }
      }
    }
    for (int64_t p = p0; p < p1; ++p) y[n * v.S + p] = index[p - p0];
  }
}

bool lower_argmax(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Value& xv = g.value(x);
  if (xv.dtype != DType::f32 || g.value(y).dtype != DType::i64) return *why = "float32 input only", false;
  const int r = static_cast<int>(xv.shape.size());
  const int axis = normalize_axis(n.attrs.i("axis", 0), r);
  if (shape_numel(xv.shape) == 0) return *why = "empty tensor", false;
  const bool last = n.attrs.i("select_last_index", 0) != 0;
  const Slot& s = c.slots[x];
  ChannelInput in;
  if (s.spatial && r > 2 && axis == (s.nhwc ? r - 1 : 1)) {  // over the channels of a spatial format
    in = channel_input(c, x, s.nhwc);
  } else {  // [outer, len, inner] on plain data
    in.slot = c.as_plain(x);
    in.view.N = 1;
    for (int d = 0; d < axis; ++d) in.view.N *= xv.shape[d];
    in.view.C = in.view.nblk = xv.shape[axis];
    for (int d = axis + 1; d < r; ++d) in.view.S *= xv.shape[d];
  }
  c.define(y, c.plain_md(y), false);
  int xs = in.slot;
  ChannelView v = in.view;
  c.add(host_step(n.name, {xs}, {y}, [=](const std::vector<void*>& ptr) {
    argmax_kernel(static_cast<const float*>(ptr[xs]), static_cast<int64_t*>(ptr[y]), v, last);
  }));
  return true;
}

bool lower_reduce_mean(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Value& xv = g.value(x);
  if (xv.dtype != DType::f32) return *why = "float32 only", false;
  const int r = static_cast<int>(xv.shape.size());
  if (r == 0 || shape_numel(xv.shape) == 0) return *why = "empty or scalar input", false;
  auto red = reduced_axes(n.attrs, r);
  bool any = false;
  for (char f : red) any |= f != 0;
  if (!any) return *why = "reduces no axis", false;
  // The source as the slot holds it; IR axis a is md axis pos[a] (N, C, spatial for NHWC slots).
  const Slot& s = c.slots[x];
  bool nhwc = s.spatial && s.nhwc && r > 2;
  md_t src = s.spatial ? s.md : c.plain_md(x);
  std::vector<int> pos(static_cast<size_t>(r));
  for (int a = 0; a < r; ++a) pos[a] = !nhwc ? a : a == 0 ? 0 : a == r - 1 ? 1 : a + 1;
  // The output's bytes are the row-major kept shape (reduced axes of size 1), in IR order.
  Shape kept = xv.shape;
  for (int a = 0; a < r; ++a)
    if (red[a]) kept[a] = 1;
  dims_t st_ir(static_cast<size_t>(r), 1);
  for (int a = r - 1; a > 0; --a) st_ir[a - 1] = st_ir[a] * kept[a];
  dims_t dd(static_cast<size_t>(r)), ds(static_cast<size_t>(r));
  for (int a = 0; a < r; ++a) {
    dd[pos[a]] = kept[a];
    ds[pos[a]] = st_ir[a];
  }
  md_t dst(dd, dnnl::memory::data_type::f32, ds);
  dnnl::reduction::desc d(dnnl::algorithm::reduction_mean, src, dst, 0.f, 0.f);
  dnnl::reduction::primitive_desc pd(d, c.eng);
  c.define(y, c.plain_md(y), false);
  c.add(primitive_step(n.name, dnnl::reduction(pd), x, src, y, dst));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(ArgMax, lower_argmax);
SEGRT_CPU_LOWERING(ReduceMean, lower_reduce_mean);

}  // namespace segrt::cpu
