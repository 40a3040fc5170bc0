// CUDA builders for data-movement ops: Concat (row copies into the joined
// buffer), reshapes (a copy in logical order), Transpose, Slice,
// Split, Expand, DepthToSpace / SpaceToDepth and Cast between every type.
#include "backend/cuda/cast.cuh"
#include "backend/cuda/copy.cuh"
#include "backend/cuda/cuda_exec.h"
#include "core/strides.h"

namespace segrt::cuda {

namespace {

bool float_only(BuildCtx& c) {
  for (int id : c.n.inputs)
    if (id >= 0 && !dtype_is_float(c.g.value(id).dtype)) return false;
  for (int id : c.n.outputs)
    if (!dtype_is_float(c.g.value(id).dtype)) return false;
  return true;
}

size_t esize(DevType t) { return static_cast<size_t>(dev_size(t)); }

bool build_concat(BuildCtx& c) {
  const Shape& os = c.g.value(c.n.outputs[0]).shape;
  int r = static_cast<int>(os.size());
  int axis = static_cast<int>(c.n.attrs.i("axis", 0));
  if (axis < 0) axis += r;
  Fmt f = Fmt::Logical;
  if (r == 4)
    for (size_t i = 0; i < c.n.inputs.size(); ++i)
      if (!c.in_constant(static_cast<int>(i)) && c.input_fmt(static_cast<int>(i)) == Fmt::Nhwc) f = Fmt::Nhwc;
  // A producer that wrote its slice in place fixed the buffer's format.
  for (size_t i = 0; i < c.n.inputs.size(); ++i)
    if (r == 4 && c.ex().written_in_place(c.n.inputs[i])) f = c.input_fmt(static_cast<int>(i));
  int pa = phys_axis(axis, r, f);
  Shape ophys = r == 4 && f == Fmt::Nhwc ? Shape{os[0], os[2], os[3], os[1]} : os;
  int64_t rows = 1, opitch = 1;
  for (int d = 0; d < pa; ++d) rows *= ophys[d];
  for (int d = pa; d < r; ++d) opitch *= ophys[d];
  struct Part {
    int id;
    int64_t cols, offset;
  };
  std::vector<Part> parts;
  int64_t off = 0;
  for (size_t i = 0; i < c.n.inputs.size(); ++i) {
    const Shape& is = c.in_value(static_cast<int>(i)).shape;
    int64_t cols = shape_numel(is) / std::max<int64_t>(rows, 1);
    if (shape_numel(is) == 0) continue;
    if (c.ex().written_in_place(c.n.inputs[i])) {  // its producer already wrote it here
      off += cols;
      continue;
    }
    parts.push_back({c.input(static_cast<int>(i), f), cols, off});
    off += cols;
  }
  int y = c.output(0, f);
  size_t es = esize(dev_type(c.ex().val(y).dtype));
  auto& ex = c.ex();
  c.step([&ex, parts, y, rows, opitch, es](cudaStream_t s) {
    char* dst = static_cast<char*>(ex.ptr(y));
    for (const Part& p : parts)
      launch_copy_rows(ex.ptr(p.id), p.cols * es, dst + p.offset * es, opitch * es, p.cols * es, rows, s);
  });
  return true;
}

// Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout: the same elements
// in logical order.
bool build_reshape(BuildCtx& c) {
  if (c.n.outputs.size() != 1) return false;
  int x = c.input(0, Fmt::Logical);  // any element type: the bytes are copied
  int y = c.output(0, Fmt::Logical);
  auto& ex = c.ex();
  size_t bytes = ex.val(y).bytes;
  c.step([&ex, x, y, bytes](cudaStream_t s) {
    SEGRT_CUDA_CHECK(cudaMemcpyAsync(ex.ptr(y), ex.ptr(x), bytes, cudaMemcpyDeviceToDevice, s));
  });
  return true;
}

// Emits y = strided view of x (logical order, x offset by `base` elements).
void strided_step(BuildCtx& c, int x, int y, Strides st, int64_t base) {
  auto& ex = c.ex();
  DevType t = dev_type(ex.val(y).dtype);
  size_t es = esize(t);
  c.step([&ex, x, y, st, base, t, es](cudaStream_t s) {
    launch_strided_copy(static_cast<const char*>(ex.ptr(x)) + base * es, t, ex.ptr(y), t, st, nullptr, s);
  });
}

bool build_transpose(BuildCtx& c) {
  const Shape& is = c.in_value(0).shape;
  int r = static_cast<int>(is.size());
  if (r > kMaxDims) return false;
  std::vector<int64_t> perm = c.n.attrs.ints("perm");
  if (perm.empty())
    for (int d = r - 1; d >= 0; --d) perm.push_back(d);
  auto ist = row_major_strides(is);
  Strides st;
  st.rank = r;
  for (int d = 0; d < r; ++d) {
    st.dims[d] = is[perm[d]];
    st.in[d] = ist[perm[d]];
  }
  int x = c.input(0, Fmt::Logical);
  int y = c.output(0, Fmt::Logical);
  strided_step(c, x, y, st, 0);
  return true;
}

bool build_slice(BuildCtx& c) {
  const Shape& is = c.in_value(0).shape;
  const Shape& os = c.g.value(c.n.outputs[0]).shape;
  int r = static_cast<int>(is.size());
  if (r > kMaxDims || !c.in_constant(1) || !c.in_constant(2)) return false;
  if ((c.has_input(3) && !c.in_constant(3)) || (c.has_input(4) && !c.in_constant(4))) return false;
  auto starts = c.in_constant(1)->to_i64_vector();
  std::vector<int64_t> axes, steps;
  if (c.has_input(3)) axes = c.in_constant(3)->to_i64_vector();
  if (c.has_input(4)) steps = c.in_constant(4)->to_i64_vector();
  std::vector<int64_t> start(r, 0), step(r, 1);
  for (size_t i = 0; i < starts.size(); ++i) {
    int a = static_cast<int>(axes.empty() ? static_cast<int64_t>(i) : axes[i]);
    if (a < 0) a += r;
    int64_t sp = steps.empty() ? 1 : steps[i];
    int64_t s = starts[i];
    if (s < 0) s += is[a];
    s = sp > 0 ? std::clamp<int64_t>(s, 0, is[a]) : std::clamp<int64_t>(s, 0, is[a] - 1);
    start[a] = s;
    step[a] = sp;
  }
  auto ist = row_major_strides(is);
  Strides st;
  st.rank = r;
  int64_t base = 0;
  for (int d = 0; d < r; ++d) {
    st.dims[d] = os[d];
    st.in[d] = ist[d] * step[d];
    base += start[d] * ist[d];
  }
  int x = c.input(0, Fmt::Logical);
  int y = c.output(0, Fmt::Logical);
  strided_step(c, x, y, st, base);
  return true;
}

// Split along one axis, in whatever format the input is (channel splits of
// NHWC data stay NHWC).
bool build_split(BuildCtx& c) {
  const Shape& is = c.in_value(0).shape;
  int r = static_cast<int>(is.size());
  if (r > kMaxDims) return false;
  int axis = static_cast<int>(c.n.attrs.i("axis", 0));
  if (axis < 0) axis += r;
  Fmt f = c.input_fmt(0);
  int x = c.input(0, f);
  int64_t off = 0;
  for (size_t k = 0; k < c.n.outputs.size(); ++k) {
    const Shape& os = c.g.value(c.n.outputs[k]).shape;
    Strides st = dense_view(os, f);
    Strides src = dense_view(is, f);
    for (int d = 0; d < r; ++d) st.in[d] = src.in[d];
    int64_t base = off * src.in[phys_axis(axis, r, f)];
    int y = c.output(static_cast<int>(k), f);
    strided_step(c, x, y, st, base);
    off += os[axis];
  }
  return true;
}

bool build_expand(BuildCtx& c) {
  const Shape& os = c.g.value(c.n.outputs[0]).shape;
  if (os.size() > kMaxDims) return false;
  int x = c.input(0, Fmt::Logical);
  int y = c.output(0, Fmt::Logical);
  strided_step(c, x, y, broadcast_view(c.in_value(0).shape, os, Fmt::Logical), 0);
  return true;
}

// Where a pixel shuffle writes: straight into its Concat's buffer when it feeds
// one as a channel slice (its own value is then never materialised), else its
// own output. Returns the device value and sets the channel offset of the
// slice and the channel count of that buffer (own_channels without a Concat).
int shuffle_destination(BuildCtx& c, Fmt f, bool into_concat, int64_t own_channels, int64_t* channel_offset,
                        int64_t* channels) {
  auto& ex = c.ex();
  int yv = c.n.outputs[0];
  int k = into_concat ? ex.concat_target(yv) : -1;
  *channel_offset = 0;
  *channels = own_channels;
  if (k < 0) return c.output(0, f);
  const Node& cat = c.g.nodes[k];
  int dst = cat.outputs[0];
  ex.define_early(dst, f);
  *channels = c.g.value(dst).shape[1];
  for (int v : cat.inputs) {
    if (v == yv) break;
    *channel_offset += c.g.value(v).shape[1];
  }
  DevValue& y = ex.val(yv);
  y.shape = c.g.value(yv).shape;
  y.dtype = c.compute_dtype();
  y.fmt = f;
  y.bytes = 0;
  y.defined = true;
  ex.mark_written_in_place(yv);
  return dst;
}

void set_view(Strides& st, const int64_t (&dims)[6], const int64_t (&in)[6]) {
  for (int d = 0; d < 6; ++d) {
    st.dims[d] = dims[d];
    st.in[d] = in[d];
  }
}

// DepthToSpace (DCR / CRD) and SpaceToDepth as 6-D strided copies. A
// DepthToSpace on channel-last data (the pixel shuffle of a sub-pixel
// convolution) stays channel-last: out (n, h, i, w, j, c) reads channel
// (i*b + j)*C' + c (DCR) or c*b*b + i*b + j (CRD) of pixel (n, h, w).
bool build_depth_space(BuildCtx& c) {
  if (!float_only(c)) return false;
  const Shape& is = c.in_value(0).shape;
  if (is.size() != 4) return false;
  bool nhwc_attr = c.n.attrs.s("layout", "NCHW") == "NHWC";
  int64_t b = c.n.attrs.i("blocksize", 1);
  bool crd = c.n.attrs.s("mode", "DCR") == "CRD";
  Strides st;
  st.rank = 6;
  if (c.n.op == OpType::DepthToSpace && (nhwc_attr || c.input_fmt(0) == Fmt::Nhwc)) {
    int64_t N = is[0], H = nhwc_attr ? is[1] : is[2], W = nhwc_attr ? is[2] : is[3], C = nhwc_attr ? is[3] : is[1];
    int64_t Co = C / (b * b);
    if (!crd) {  // vectorised pixel shuffle, possibly straight into a Concat's channel slice
      Fmt f = nhwc_attr ? Fmt::Logical : Fmt::Nhwc;
      int x = c.input(0, f);
      auto& ex = c.ex();
      int64_t offset, pitch;
      int dst = shuffle_destination(c, f, !nhwc_attr, Co, &offset, &pitch);
      DevType t = c.compute_dev();
      size_t es = esize(t);
      c.step([&ex, x, dst, t, N, H, W, Co, b, pitch, offset, es](cudaStream_t s) {
        launch_pixel_shuffle_nhwc(ex.ptr(x), static_cast<char*>(ex.ptr(dst)) + offset * es, t, N, H, W, Co, b, pitch, s);
      });
      return true;
    }
    int64_t dims[6] = {N, H, b, W, b, Co};
    int64_t in[6] = {H * W * C, W * C, crd ? b : b * Co, C, crd ? 1 : Co, crd ? b * b : 1};
    set_view(st, dims, in);
    Fmt f = nhwc_attr ? Fmt::Logical : Fmt::Nhwc;
    int x = c.input(0, f);
    int y = c.output(0, f);
    strided_step(c, x, y, st, 0);
    return true;
  }
  if (c.n.op == OpType::SpaceToDepth && (nhwc_attr || c.input_fmt(0) == Fmt::Nhwc)) {
    // Channel-last in and out: out (n, ho, wo, i, j, c) reads pixel (ho*b + i, wo*b + j), channel c.
    int64_t N = is[0], H = nhwc_attr ? is[1] : is[2], W = nhwc_attr ? is[2] : is[3], C = nhwc_attr ? is[3] : is[1];
    int64_t dims[6] = {N, H / b, W / b, b, b, C};
    int64_t in[6] = {H * W * C, b * W * C, b * C, W * C, C, 1};
    set_view(st, dims, in);
    Fmt f = nhwc_attr ? Fmt::Logical : Fmt::Nhwc;
    int x = c.input(0, f);
    int y = c.output(0, f);
    strided_step(c, x, y, st, 0);
    return true;
  }
  if (nhwc_attr) return false;
  int64_t N = is[0], C = is[1], H = is[2], W = is[3];
  if (c.n.op == OpType::DepthToSpace && !crd) {
    // NCHW pixel shuffle (strict fp32), possibly straight into a Concat's channel slice.
    int64_t Co = C / (b * b), plane = H * b * W * b;
    int x = c.input(0, Fmt::Logical);
    auto& ex = c.ex();
    int64_t offset, pitch;
    int dst = shuffle_destination(c, Fmt::Logical, true, Co, &offset, &pitch);
    offset *= plane;  // in elements: channels of whole output planes
    pitch *= plane;
    DevType t = c.compute_dev();
    size_t es = esize(t);
    c.step([&ex, x, dst, t, N, H, W, Co, b, pitch, offset, es](cudaStream_t s) {
      launch_pixel_shuffle_nchw(ex.ptr(x), static_cast<char*>(ex.ptr(dst)) + offset * es, t, N, H, W, Co, b, pitch, s);
    });
    return true;
  }
  if (c.n.op == OpType::DepthToSpace) {
    int64_t Co = C / (b * b);
    int64_t dims[6] = {N, Co, H, b, W, b};  // out (n, c, h, i, w, j)
    int64_t hw = H * W;
    int64_t in[6] = {C * hw, crd ? b * b * hw : hw, W, crd ? b * hw : b * Co * hw, 1, crd ? hw : Co * hw};
    set_view(st, dims, in);
  } else {
    int64_t Ho = H / b, Wo = W / b;
    int64_t dims[6] = {N, b, b, C, Ho, Wo};  // out (n, i, j, c, h, w): channel (i*b+j)*C + c
    int64_t in[6] = {C * H * W, W, 1, H * W, b * W, b};
    set_view(st, dims, in);
  }
  int x = c.input(0, Fmt::Logical);
  int y = c.output(0, Fmt::Logical);
  strided_step(c, x, y, st, 0);
  return true;
}

// Cast, elementwise in the input's format. Floats are stored in the compute
// type, so float -> float is a copy, except that a target narrower than the
// storage (float16 / bfloat16 in an fp32 plan, ...) is rounded through it.
bool build_cast(BuildCtx& c) {
  DType from = c.in_value(0).dtype, to = c.g.value(c.n.outputs[0]).dtype;
  Fmt f = c.input_fmt(0);
  int x = c.input(0, f);
  int y = c.output(0, f);
  auto& ex = c.ex();
  DevType tin = dev_type(ex.val(x).dtype), tout = dev_type(ex.val(y).dtype);
  // float8 with saturate = 0 (overflow to NaN), and e5m2 (stored as a float), have no kernel here.
  if ((tout == DevType::e4m3 && c.n.attrs.i("saturate", 1) == 0) || to == DType::f8e5m2) return false;
  RoundTo round = RoundTo::None;
  if (to == DType::f16 && tout != DevType::f16) round = RoundTo::F16;
  if (to == DType::bf16 && tout != DevType::bf16) round = RoundTo::BF16;
  if (dtype_is_float(from) && dtype_is_float(to) && round == RoundTo::None && tin == tout) {
    size_t bytes = ex.val(y).bytes;
    c.step([&ex, x, y, bytes](cudaStream_t s) {
      SEGRT_CUDA_CHECK(cudaMemcpyAsync(ex.ptr(y), ex.ptr(x), bytes, cudaMemcpyDeviceToDevice, s));
    });
    return true;
  }
  Strides st = dense_view(ex.val(y).shape, ex.val(y).fmt);
  c.step([&ex, x, y, tin, tout, st, round](cudaStream_t s) { launch_cast(ex.ptr(x), tin, ex.ptr(y), tout, st, round, s); });
  return true;
}

}  // namespace

SEGRT_CUDA_OP(Concat, build_concat);
SEGRT_CUDA_OP(Reshape, build_reshape);
SEGRT_CUDA_OP(Flatten, build_reshape);
SEGRT_CUDA_OP(Squeeze, build_reshape);
SEGRT_CUDA_OP(Unsqueeze, build_reshape);
SEGRT_CUDA_OP(Identity, build_reshape);
SEGRT_CUDA_OP(Dropout, build_reshape);
SEGRT_CUDA_OP(Transpose, build_transpose);
SEGRT_CUDA_OP(Slice, build_slice);
SEGRT_CUDA_OP(Split, build_split);
SEGRT_CUDA_OP(Expand, build_expand);
SEGRT_CUDA_OP(DepthToSpace, build_depth_space);
SEGRT_CUDA_OP(SpaceToDepth, build_depth_space);
SEGRT_CUDA_OP(Cast, build_cast);

}  // namespace segrt::cuda
