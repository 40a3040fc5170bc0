// Data-movement ops on plain data, any dtype: one strided copy (the
// output walked in row-major order, the input read through element strides
// that may be zero or negative) expresses Transpose, Slice, Expand, Split,
// DepthToSpace / SpaceToDepth (6-D views) and the relabelling ops (Reshape,
// Flatten, Squeeze, Unsqueeze, Identity, Dropout: a contiguous copy).
// Gather copies one inner block per index. Transpose and the relabelling
// ops of a blocked producer are one oneDNN reorder into the plain output.
// Unlike the reference fallback, nothing is copied in and out around the
// kernel, rows run in parallel and contiguous rows are one memcpy.
#include <cstring>

#include "backend/cpu/cpu.h"
#include "ir/ops/conv_util.h"
#include "ir/ops/slice_util.h"
#include "ir/ops/transpose_util.h"
#include "ir/shape.h"
#include "core/strides.h"

namespace segrt::cpu {

namespace {

struct StridedCopy {
  Shape out;                    // row-major output dims
  std::vector<int64_t> stride;  // input element strides per output dim
  int64_t base = 0;             // first input element
  size_t elem = 4;              // bytes per element
};

template <class T>
void copy_row(T* d, const T* s, int64_t count, int64_t stride) {
  for (int64_t j = 0; j < count; ++j) d[j] = s[j * stride];
}

void strided_copy(const uint8_t* src, uint8_t* dst, const StridedCopy& p) {
  const size_t r = p.out.size(), E = p.elem;
  const int64_t last = r ? p.out.back() : 1, ls = r ? p.stride.back() : 1;
  int64_t rows = 1;
  for (size_t a = 0; a + 1 < r; ++a) rows *= p.out[a];
#pragma omp parallel for schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rem = row, off = p.base;
    for (size_t a = r - 1; a-- > 0;) {
      off += (rem % p.out[a]) * p.stride[a];
      rem /= p.out[a];
    }
    uint8_t* d = dst + row * last * E;
    const uint8_t* s = src + off * static_cast<int64_t>(E);
    if (ls == 1) {
      std::memcpy(d, s, last * E);
      continue;
    }
    switch (E) {
      case 1: copy_row(d, s, last, ls); break;
      case 2: copy_row(reinterpret_cast<uint16_t*>(d), reinterpret_cast<const uint16_t*>(s), last, ls); break;
      case 4: copy_row(reinterpret_cast<uint32_t*>(d), reinterpret_cast<const uint32_t*>(s), last, ls); break;
      default:
        for (int64_t j = 0; j < last; ++j) std::memcpy(d + j * E, s + j * ls * static_cast<int64_t>(E), E);
    }
  }
}


// One host step copying plain input x into each output through its plan.
bool add_copies(Compiler& c, const Node& n, const std::vector<StridedCopy>& plans) {
  const Graph& g = c.g;
  int x = n.inputs[0];
  if (g.value(x).is_constant()) return false;  // folded before compile; nothing to run
  int xs = c.as_plain(x);
  std::vector<int> outs;
  for (size_t k = 0; k < plans.size(); ++k) {
    outs.push_back(n.outputs[k]);
    c.define(n.outputs[k], c.plain_md(n.outputs[k]), false);
  }
  c.add(host_step(n.name, {xs}, outs, [plans, xs, outs](const std::vector<void*>& ptr) {
    for (size_t k = 0; k < plans.size(); ++k)
      strided_copy(static_cast<const uint8_t*>(ptr[xs]), static_cast<uint8_t*>(ptr[outs[k]]), plans[k]);
  }));
  return true;
}

StridedCopy plan_for(const Graph& g, int x, int y) {
  StridedCopy p;
  p.out = g.value(y).shape;
  p.elem = dtype_size(g.value(x).dtype);
  return p;
}

bool lower_relabel(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  if (n.outputs.size() != 1) return *why = "Dropout mask output", false;
  int x = n.inputs[0], y = n.outputs[0];
  if (g.value(x).dtype != g.value(y).dtype) return *why = "dtype changes", false;
  const Slot& sl = c.slots[x];
  if (sl.spatial && dnnl_type(g.value(x).dtype) != dnnl::memory::data_type::undef) {
    // A (blocked) producer: one reorder straight into y's plain bytes (x's
    // row-major IR layout, seen in the slot's dim order), not a reorder and a copy.
    const Shape& xs = g.value(x).shape;
    const bool last = sl.nhwc && xs.size() > 2;
    md_t dst(nchw_dims(xs, last), dnnl_type(g.value(x).dtype), nchw_dims(row_major_strides(xs), last));
    c.define(y, c.plain_md(y), false);
    c.add(reorder_step(c.eng, n.name, x, sl.md, y, dst));
    return true;
  }
  StridedCopy p;  // the same bytes: one contiguous row
  p.out = {shape_numel(g.value(y).shape)};
  p.stride = {1};
  p.elem = dtype_size(g.value(x).dtype);
  return add_copies(c, n, {p}) || (*why = "constant input", false);
}

// Transpose: oneDNN's reorder (tiled, vectorised) reads the input through
// permuted strides for its types, straight from a producer's blocked format
// (one reorder, not two); 8-byte types take the strided copy.
bool lower_transpose(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Shape& xs = g.value(x).shape;
  if (g.value(x).is_constant()) return *why = "constant input", false;
  auto perm = transpose_perm(n.attrs, static_cast<int>(xs.size()));
  auto in_st = row_major_strides(xs);
  StridedCopy p = plan_for(g, x, y);
  for (int64_t a : perm) p.stride.push_back(in_st[a]);
  auto t = dnnl_type(g.value(x).dtype);
  if (t == dnnl::memory::data_type::undef || xs.empty() || shape_numel(xs) == 0) return add_copies(c, n, {p});
  int xp = x;
  md_t src, dst;
  const Slot& sl = c.slots[x];
  if (sl.spatial) {
    // Straight from the producer's (blocked) format: the output seen in the
    // slot's dim order (N, C, spatial...), with the strides of its row-major bytes.
    const int r = static_cast<int>(xs.size());
    auto out_st = row_major_strides(p.out);
    std::vector<int64_t> at(static_cast<size_t>(r));  // at[a] = output position of input axis a
    for (int i = 0; i < r; ++i) at[perm[i]] = out_st[i];
    dims_t st(static_cast<size_t>(r));
    for (int d = 0; d < r; ++d) {  // md dim d is IR axis d, or for channels-last slots 0, r-1, 1, ...
      int a = !sl.nhwc || r < 3 ? d : d == 0 ? 0 : d == 1 ? r - 1 : d - 1;
      st[d] = at[a];
    }
    src = sl.md;
    dst = md_t(src.dims(), t, st);
  } else {
    xp = c.as_plain(x);
    src = md_t(dims_t(p.out.begin(), p.out.end()), t, dims_t(p.stride.begin(), p.stride.end()));
    dst = c.plain_md(y);
  }
  c.define(y, c.plain_md(y), false);
  c.add(reorder_step(c.eng, n.name, xp, src, y, dst));
  return true;
}

std::vector<int64_t> const_ints(const Graph& g, const Node& n, size_t k, bool* ok) {
  if (k >= n.inputs.size() || n.inputs[k] < 0) return {};
  if (!g.value(n.inputs[k]).is_constant()) {
    *ok = false;
    return {};
  }
  return g.value(n.inputs[k]).constant.to_i64_vector();
}

bool lower_slice(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  bool ok = true;
  auto starts = const_ints(g, n, 1, &ok), ends = const_ints(g, n, 2, &ok), axes = const_ints(g, n, 3, &ok),
       steps = const_ints(g, n, 4, &ok);
  if (!ok) return *why = "starts / ends / axes / steps computed at run time", false;
  const Shape& xs = g.value(x).shape;
  auto ranges = slice_ranges(xs, starts, ends, axes, steps);
  auto in_st = row_major_strides(xs);
  StridedCopy p = plan_for(g, x, y);
  for (size_t d = 0; d < ranges.size(); ++d) {
    p.base += ranges[d].start * in_st[d];
    p.stride.push_back(in_st[d] * ranges[d].step);
  }
  if (shape_numel(p.out) == 0) return *why = "empty output", false;
  return add_copies(c, n, {p}) || (*why = "constant input", false);
}

bool lower_expand(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Shape &xs = g.value(x).shape, &ys = g.value(y).shape;
  StridedCopy p = plan_for(g, x, y);
  auto in_st = row_major_strides(xs);
  p.stride.assign(ys.size(), 0);
  for (size_t i = 0; i < xs.size(); ++i) {  // right-aligned; broadcast dims read stride 0
    size_t a = xs.size() - 1 - i, o = ys.size() - 1 - i;
    p.stride[o] = xs[a] == 1 ? 0 : in_st[a];
  }
  return add_copies(c, n, {p}) || (*why = "constant input", false);
}

bool lower_split(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0];
  const Shape& xs = g.value(x).shape;
  const int axis = normalize_axis(n.attrs.i("axis", 0), static_cast<int>(xs.size()));
  auto in_st = row_major_strides(xs);
  std::vector<StridedCopy> plans;
  int64_t offset = 0;
  for (int y : n.outputs) {
    if (y < 0) return *why = "absent output", false;
    StridedCopy p = plan_for(g, x, y);
    p.stride = in_st;
    p.base = offset * in_st[axis];
    offset += p.out[axis];
    plans.push_back(p);
  }
  return add_copies(c, n, plans) || (*why = "constant input", false);
}

// 6-D views (see backend/ref/depth_space.cpp for the index formulas); a
// DepthToSpace of channel-blocked data is depth_to_space.cpp's shuffle
// (it stays blocked and may write into a Concat slice).
bool lower_depth_space(Compiler& c, const Node& n, std::string* why) {
  if (n.op == OpType::DepthToSpace && lower_blocked_depth_to_space(c, n)) return true;  // stays blocked
  const Graph& g = c.g;
  int x = n.inputs[0], y = n.outputs[0];
  const Shape& s = g.value(x).shape;
  if (s.size() != 4) return *why = "4-D only", false;
  const bool nhwc = is_channels_last(n.attrs), crd = n.attrs.s("mode", "DCR") == "CRD";
  const int64_t b = n.attrs.i("blocksize", 1);
  const int64_t N = s[0], C = nhwc ? s[3] : s[1], H = nhwc ? s[1] : s[2], W = nhwc ? s[2] : s[3];
  StridedCopy p = plan_for(g, x, y);
  if (n.op == OpType::DepthToSpace) {
    const int64_t Co = C / (b * b);
    if (!nhwc) {  // out [N, C', H, b_i, W, b_j] <- x[n, ch(i, j, c), h, w]
      p.out = {N, Co, H, b, W, b};
      p.stride = crd ? std::vector<int64_t>{C * H * W, b * b * H * W, W, b * H * W, 1, H * W}
                     : std::vector<int64_t>{C * H * W, H * W, W, b * Co * H * W, 1, Co * H * W};
    } else {  // out [N, H, b_i, W, b_j, C'] <- x[n, h, w, ch(i, j, c)]
      p.out = {N, H, b, W, b, Co};
      p.stride = crd ? std::vector<int64_t>{H * W * C, W * C, b, C, 1, b * b}
                     : std::vector<int64_t>{H * W * C, W * C, b * Co, C, Co, 1};
    }
  } else {
    if (crd) return *why = "SpaceToDepth CRD", false;
    const int64_t Ho = H / b, Wo = W / b;
    if (!nhwc) {  // out [N, b_i, b_j, C, H', W'] <- x[n, c, h*b + i, w*b + j]
      p.out = {N, b, b, C, Ho, Wo};
      p.stride = {C * H * W, W, 1, H * W, b * W, b};
    } else {  // out [N, H', W', b_i, b_j, C] <- x[n, h*b + i, w*b + j, c]
      p.out = {N, Ho, Wo, b, b, C};
      p.stride = {H * W * C, b * W * C, b * C, W * C, C, 1};
    }
  }
  return add_copies(c, n, {p}) || (*why = "constant input", false);
}

// Gather: data as [outer, len, inner], one inner block per index. Indices
// computed at run time (int32 / int64) are checked per run, with the
// reference's error, before any copy.
bool lower_gather(Compiler& c, const Node& n, std::string* why) {
  const Graph& g = c.g;
  int x = n.inputs[0], iv = n.inputs[1], y = n.outputs[0];
  if (g.value(x).is_constant()) return *why = "constant data", false;
  const DType it = g.value(iv).dtype;
  const bool run_time = !g.value(iv).is_constant();
  if (run_time && it != DType::i64 && it != DType::i32) return *why = "indices neither int32 nor int64", false;
  const Shape& ds = g.value(x).shape;
  const int axis = normalize_axis(n.attrs.i("axis", 0), static_cast<int>(ds.size()));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= ds[d];
  for (size_t d = axis + 1; d < ds.size(); ++d) inner *= ds[d];
  const int64_t len = ds[axis], count = shape_numel(g.value(iv).shape);
  std::vector<int64_t> fixed;
  if (!run_time) fixed = g.value(iv).constant.to_i64_vector();
  const size_t block = static_cast<size_t>(inner) * dtype_size(g.value(x).dtype);
  int xs = c.as_plain(x), is = run_time ? c.as_plain(iv) : -1;
  c.define(y, c.plain_md(y), false);
  std::vector<int> reads = {xs};
  if (run_time) reads.push_back(is);
  c.add(host_step(n.name, reads, {y}, [=](const std::vector<void*>& ptr) {
    std::vector<int64_t> idx = fixed;
    if (run_time) {
      idx.resize(static_cast<size_t>(count));
      for (int64_t t = 0; t < count; ++t)
        idx[t] = it == DType::i64 ? static_cast<const int64_t*>(ptr[is])[t] : static_cast<const int32_t*>(ptr[is])[t];
    }
    for (int64_t& k : idx) {
      SEGRT_CHECK(k >= -len && k < len, InvalidInput, "Gather index ", k, " is out of range for axis ", axis,
                  " of size ", len);
      if (k < 0) k += len;
    }
    const auto* src = static_cast<const uint8_t*>(ptr[xs]);
    auto* dst = static_cast<uint8_t*>(ptr[y]);
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t t = 0; t < count; ++t) std::memcpy(dst + (o * count + t) * block, src + (o * len + idx[t]) * block, block);
  }));
  return true;
}

}  // namespace

SEGRT_CPU_LOWERING(Reshape, lower_relabel);
SEGRT_CPU_LOWERING(Flatten, lower_relabel);
SEGRT_CPU_LOWERING(Squeeze, lower_relabel);
SEGRT_CPU_LOWERING(Unsqueeze, lower_relabel);
SEGRT_CPU_LOWERING(Identity, lower_relabel);
SEGRT_CPU_LOWERING(Dropout, lower_relabel);
SEGRT_CPU_LOWERING(Transpose, lower_transpose);
SEGRT_CPU_LOWERING(Slice, lower_slice);
SEGRT_CPU_LOWERING(Expand, lower_expand);
SEGRT_CPU_LOWERING(Split, lower_split);
SEGRT_CPU_LOWERING(DepthToSpace, lower_depth_space);
SEGRT_CPU_LOWERING(SpaceToDepth, lower_depth_space);
SEGRT_CPU_LOWERING(Gather, lower_gather);

}  // namespace segrt::cpu
