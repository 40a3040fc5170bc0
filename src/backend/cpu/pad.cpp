// Pad (constant, reflect, edge; negative pads crop) as an own kernel: a
// gather through one source-index table per axis (-1 = the constant).
// Any dtype and rank on plain data; a 4-D float activation padded only in
// H and W stays in its format (blocked nChw8c / nChw16c, or NHWC): one
// "element" is then a pixel's block of channels, and padding lanes of the
// constant stay zero. Runs of consecutive source indices along the last
// axis are copied with memcpy.
#include <cstring>

#include "backend/cpu/channel_view.h"
#include "ir/ops/pad_util.h"

namespace segrt::cpu {

namespace {

struct Run {
  int64_t dst, src, count;  // src -1: the constant
};

struct PadPlan {
  std::vector<int64_t> in_dims, out_dims;   // in elements of `elem` bytes
  std::vector<std::vector<int64_t>> table;  // per axis but the last: source index per output index
  std::vector<Run> runs;                    // the last axis
  size_t elem = 4;
  std::vector<uint8_t> fill;                // `periods` constants of `elem` bytes, one per (first index % periods)
  int64_t periods = 1;
};

PadPlan make_plan(const std::vector<int64_t>& in, const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                  const std::string& mode, size_t elem) {
  PadPlan p;
  p.in_dims = in;
  p.elem = elem;
  const size_t r = in.size();
  for (size_t a = 0; a < r; ++a) {
    p.out_dims.push_back(in[a] + begin[a] + end[a]);
    std::vector<int64_t> t(static_cast<size_t>(p.out_dims[a]));
    for (int64_t o = 0; o < p.out_dims[a]; ++o) t[o] = pad_source_index(o - begin[a], in[a], mode);
    if (a + 1 < r) {
      p.table.push_back(std::move(t));
      continue;
    }
    for (int64_t o = 0; o < p.out_dims[a]; ++o) {
      bool extends = !p.runs.empty() && ((t[o] < 0 && p.runs.back().src < 0) ||
                                         (t[o] >= 0 && p.runs.back().src >= 0 &&
                                          t[o] == p.runs.back().src + p.runs.back().count));
      if (extends) ++p.runs.back().count;
      else p.runs.push_back({o, t[o], 1});
    }
  }
  return p;
}

void pad_kernel(const uint8_t* src, uint8_t* dst, const PadPlan& p) {
  const size_t r = p.out_dims.size(), E = p.elem;
  const int64_t out_last = p.out_dims.back(), in_last = p.in_dims.back();
  int64_t rows = 1;
  for (size_t a = 0; a + 1 < r; ++a) rows *= p.out_dims[a];
#pragma omp parallel for schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    // Source row: the odometer of `row` over the outer axes, mapped per axis.
    int64_t rem = row, src_row = 0, stride = 1, first = 0;
    bool constant = false;
    for (size_t a = r - 1; a-- > 0;) {
      const int64_t o = rem % p.out_dims[a];
      rem /= p.out_dims[a];
      const int64_t i = p.table[a][o];
      constant |= i < 0;
      src_row += (i < 0 ? 0 : i) * stride;
      stride *= p.in_dims[a];
      if (a == 0) first = o;
    }
    const uint8_t* fill = p.fill.data() + (first % p.periods) * E;
    uint8_t* d = dst + row * out_last * E;
    const uint8_t* s = src + src_row * in_last * E;
    for (const Run& run : p.runs) {
      if (!constant && run.src >= 0) {
        std::memcpy(d + run.dst * E, s + run.src * E, run.count * E);
      } else {
        for (int64_t k = 0; k < run.count; ++k) std::memcpy(d + (run.dst + k) * E, fill, E);
      }
    }
  }
}

bool lower_pad(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Value& xv = g.value(x);
  for (size_t k = 1; k < n.inputs.size(); ++k)
    if (n.inputs[k] >= 0 && !g.value(n.inputs[k]).is_constant()) return *why = "pads computed at run time", false;
  const std::string mode = n.attrs.s("mode", "constant");
  const int r = static_cast<int>(xv.shape.size());
  if (r == 0 || shape_numel(g.value(y).shape) == 0 || shape_numel(xv.shape) == 0) return *why = "empty tensor", false;
  auto cst = [&](size_t k) -> const Tensor* {
    return k < n.inputs.size() && n.inputs[k] >= 0 ? &g.value(n.inputs[k]).constant : nullptr;
  };
  PadAmounts pa = pad_amounts(*cst(1), cst(3), r);
  Tensor value(xv.dtype, {1});  // zero
  if (cst(2) && cst(2)->numel() > 0) value = cst(2)->reshaped({1}).cast(xv.dtype);

  // A float activation in a spatial format, padded in its spatial axes only: pad in place of format.
  bool nhwc = xv.layout == Layout::NHWC;
  int ch = nhwc ? 3 : 1;
  bool spatial_only = r == 4 && xv.dtype == DType::f32 && pa.begin[0] == 0 && pa.end[0] == 0 &&
                      pa.begin[ch] == 0 && pa.end[ch] == 0;
  PadPlan plan;
  int xs;
  if (spatial_only && c.slots[x].spatial) {
    ChannelInput in = channel_input(c, x, nhwc);
    xs = in.slot;
    const ChannelView& v = in.view;
    int h = nhwc ? 1 : 2, w = nhwc ? 2 : 3;
    const int64_t H = xv.shape[h], W = xv.shape[w];
    if (v.S != H * W) return *why = "unexpected format", false;
    plan = make_plan({v.N * v.nblk, H, W}, {0, pa.begin[h], pa.begin[w]}, {0, pa.end[h], pa.end[w]}, mode,
                     static_cast<size_t>(v.blk) * sizeof(float));
    plan.periods = v.nblk;
    std::vector<float> fill(static_cast<size_t>(v.nblk * v.blk), 0.f);
    for (int64_t ch_i = 0; ch_i < v.C; ++ch_i) fill[ch_i] = value.data<float>()[0];  // padding lanes stay zero
    plan.fill.resize(fill.size() * sizeof(float));
    std::memcpy(plan.fill.data(), fill.data(), plan.fill.size());
    define_like(c, y, in);
  } else {
    xs = c.as_plain(x);
    plan = make_plan(xv.shape, pa.begin, pa.end, mode, dtype_size(xv.dtype));
    plan.fill.assign(static_cast<const uint8_t*>(value.raw()), static_cast<const uint8_t*>(value.raw()) + plan.elem);
    c.define(y, c.plain_md(y), false);
  }
  c.add(host_step(n.name, {xs}, {y}, [plan, xs, y](const std::vector<void*>& ptr) {
    pad_kernel(static_cast<const uint8_t*>(ptr[xs]), static_cast<uint8_t*>(ptr[y]), plan);
  }));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Pad, lower_pad);

}  // namespace segrt::cpu
