// Reference kernels of the indexing and generator ops. Data is moved as
// bytes, so every element type is exact; indices may be negative (counted
// from the end) and are checked against the axis they index.
#include <cmath>
#include <cstring>

#include "backend/ref/broadcast.h"
#include "backend/ref/ref.h"
#include "backend/ref/store.h"
#include "ir/shape.h"

namespace segrt::ref {

namespace {

const char* bytes(const Tensor& t) { return static_cast<const char*>(t.raw()); }
char* bytes(Tensor& t) { return static_cast<char*>(t.raw()); }

int64_t wrap_index(int64_t i, int64_t n, const char* op) {
  SEGRT_CHECK(i >= -n && i < n, InvalidInput, op, " index ", i, " is out of range for an axis of ", n);
  return i < 0 ? i + n : i;
}

// Multi-index of flat index i in shape s.
std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> c(s.size());
  for (size_t d = s.size(); d-- > 0;) {
    c[d] = i % s[d];
    i /= s[d];
  }
  return c;
}

int64_t ravel(const std::vector<int64_t>& c, const std::vector<int64_t>& strides) {
  int64_t off = 0;
  for (size_t d = 0; d < c.size(); ++d) off += c[d] * strides[d];
  return off;
}

void size_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  out[0].data<int64_t>()[0] = in[0]->numel();
}

void range_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const int64_t n = out[0].numel();
  if (dtype_is_float(out[0].dtype())) {
    const double start = in[0]->to_f64_vector()[0], delta = in[2]->to_f64_vector()[0];
    std::vector<double> y(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) y[i] = start + static_cast<double>(i) * delta;
    return store_f64(out[0], y);
  }
  const int64_t start = in[0]->to_i64_vector()[0], delta = in[2]->to_i64_vector()[0];
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) y[i] = start + i * delta;
  out[0] = Tensor::from_i64(y, out[0].shape()).cast(out[0].dtype());
}

void tile_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& is = in[0]->shape();
  const Shape& os = out[0].shape();
  const auto ist = row_major_strides(is);
  const size_t es = dtype_size(out[0].dtype());
  for (int64_t i = 0; i < out[0].numel(); ++i) {
    auto c = unravel(i, os);
    for (size_t d = 0; d < c.size(); ++d) c[d] %= is[d];
    std::memcpy(bytes(out[0]) + i * es, bytes(*in[0]) + ravel(c, ist) * es, es);
  }
}

void gather_elements_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const int axis = normalize_axis(n.attrs.i("axis", 0), in[0]->rank());
  const auto dst = row_major_strides(in[0]->shape());
  const auto idx = in[1]->to_i64_vector();
  const size_t es = dtype_size(out[0].dtype());
  for (int64_t i = 0; i < out[0].numel(); ++i) {
    auto c = unravel(i, in[1]->shape());
    c[axis] = wrap_index(idx[i], in[0]->shape()[axis], "GatherElements");
    std::memcpy(bytes(out[0]) + i * es, bytes(*in[0]) + ravel(c, dst) * es, es);
  }
}

void gather_nd_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& ds = in[0]->shape();
  const Shape& is = in[1]->shape();
  const int64_t b = n.attrs.i("batch_dims", 0), last = is.back();
  const auto dst = row_major_strides(ds);
  int64_t slice = 1;
  for (size_t d = static_cast<size_t>(b + last); d < ds.size(); ++d) slice *= ds[d];
  const Shape tuples(is.begin(), is.end() - 1);
  const auto idx = in[1]->to_i64_vector();
  const size_t es = dtype_size(out[0].dtype());
  for (int64_t t = 0; t < shape_numel(tuples); ++t) {
    auto c = unravel(t, tuples);
    int64_t off = 0;
    for (int64_t d = 0; d < b; ++d) off += c[d] * dst[d];
    for (int64_t k = 0; k < last; ++k) off += wrap_index(idx[t * last + k], ds[b + k], "GatherND") * dst[b + k];
    std::memcpy(bytes(out[0]) + t * slice * es, bytes(*in[0]) + off * es, slice * es);
  }
}

double combine(const std::string& red, double old, double upd) {
  if (red == "add") return old + upd;
  if (red == "mul") return old * upd;
  if (red == "max") return std::max(old, upd);
  if (red == "min") return std::min(old, upd);
  return upd;
}

// Both scatters: out = data, then element `src` of updates lands at `dst` of out.
struct Scatter {
  std::string red;
  std::vector<double> acc;  // used when reducing
  const Tensor& upd;
  Tensor& out;
  size_t es;
  Scatter(const Node& n, const Tensor& data, const Tensor& u, Tensor& o)
      : red(n.attrs.s("reduction", "none")), upd(u), out(o), es(dtype_size(o.dtype())) {
    std::memcpy(bytes(out), bytes(data), out.nbytes());
    if (red != "none") acc = data.to_f64_vector();
  }
  std::vector<double> upd_f64() const { return upd.to_f64_vector(); }
  void finish() {
    if (red != "none") store_f64(out, acc);
  }
};

void scatter_elements_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  Scatter s(n, *in[0], *in[2], out[0]);
  const int axis = normalize_axis(n.attrs.i("axis", 0), in[0]->rank());
  const auto dst = row_major_strides(in[0]->shape());
  const auto idx = in[1]->to_i64_vector();
  const auto u = s.red == "none" ? std::vector<double>{} : s.upd_f64();
  for (int64_t i = 0; i < in[1]->numel(); ++i) {
    auto c = unravel(i, in[1]->shape());
    c[axis] = wrap_index(idx[i], in[0]->shape()[axis], "ScatterElements");
    const int64_t o = ravel(c, dst);
    if (s.red == "none") std::memcpy(bytes(out[0]) + o * s.es, bytes(*in[2]) + i * s.es, s.es);
    else s.acc[o] = combine(s.red, s.acc[o], u[i]);
  }
  s.finish();
}

void scatter_nd_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  Scatter s(n, *in[0], *in[2], out[0]);
  const Shape& ds = in[0]->shape();
  const Shape& is = in[1]->shape();
  const int64_t k = is.back();
  const auto dst = row_major_strides(ds);
  int64_t slice = 1;
  for (size_t d = static_cast<size_t>(k); d < ds.size(); ++d) slice *= ds[d];
  const auto idx = in[1]->to_i64_vector();
  const auto u = s.red == "none" ? std::vector<double>{} : s.upd_f64();
  const int64_t tuples = in[1]->numel() / std::max<int64_t>(k, 1);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t off = 0;
    for (int64_t j = 0; j < k; ++j) off += wrap_index(idx[t * k + j], ds[j], "ScatterND") * dst[j];
    if (s.red == "none") {
      std::memcpy(bytes(out[0]) + off * s.es, bytes(*in[2]) + t * slice * s.es, slice * s.es);
    } else {
      for (int64_t e = 0; e < slice; ++e) s.acc[off + e] = combine(s.red, s.acc[off + e], u[t * slice + e]);
    }
  }
  s.finish();
}

void nonzero_kernel(const Node&, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const auto x = in[0]->to_f64_vector();
  const int64_t count = out[0].shape()[1];
  int64_t* y = out[0].data<int64_t>();
  int64_t j = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    if (x[i] == 0) continue;
    auto c = unravel(i, in[0]->shape());
    for (size_t d = 0; d < c.size(); ++d) y[d * count + j] = c[d];
    ++j;
  }
}

void one_hot_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const Shape& os = out[0].shape();
  const int axis = normalize_axis(n.attrs.i("axis", -1), static_cast<int>(os.size()));
  const int64_t depth = os[axis];
  const auto idx = in[0]->to_f64_vector();
  const auto ist = row_major_strides(in[0]->shape());
  const size_t es = dtype_size(out[0].dtype());
  for (int64_t i = 0; i < out[0].numel(); ++i) {
    auto c = unravel(i, os);
    const int64_t j = c[axis];
    c.erase(c.begin() + axis);
    auto v = static_cast<int64_t>(idx[ravel(c, ist)]);
    if (v < 0) v += depth;
    std::memcpy(bytes(out[0]) + i * es, bytes(*in[2]) + (v == j ? 1 : 0) * es, es);
  }
}

void trilu_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const int64_t k = in.size() > 1 && in[1] ? in[1]->to_i64_vector().at(0) : 0;
  const bool upper = n.attrs.i("upper", 1) != 0;
  const Shape& s = in[0]->shape();
  const int64_t rows = s[s.size() - 2], cols = s.back();
  const size_t es = dtype_size(out[0].dtype());
  std::memset(bytes(out[0]), 0, out[0].nbytes());
  for (int64_t i = 0; i < out[0].numel(); ++i) {
    const int64_t c = i % cols, r = (i / cols) % rows;
    if (upper ? c - r >= k : c - r <= k) std::memcpy(bytes(out[0]) + i * es, bytes(*in[0]) + i * es, es);
  }
}

void eye_like_kernel(const Node& n, const std::vector<const Tensor*>&, std::vector<Tensor>& out) {
  const int64_t k = n.attrs.i("k", 0), cols = out[0].shape()[1];
  std::vector<double> y(static_cast<size_t>(out[0].numel()), 0.0);
  for (int64_t i = 0; i < out[0].numel(); ++i)
    if (i % cols - i / cols == k) y[i] = 1.0;
  store_f64(out[0], y);
}

void compress_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const auto cond = in[1]->to_i64_vector();
  const size_t es = dtype_size(out[0].dtype());
  char* dst = bytes(out[0]);
  if (!n.attrs.has("axis")) {
    for (size_t i = 0; i < cond.size() && static_cast<int64_t>(i) < in[0]->numel(); ++i)
      if (cond[i]) dst = static_cast<char*>(std::memcpy(dst, bytes(*in[0]) + i * es, es)) + es;
    return;
  }
  const Shape& s = in[0]->shape();
  const int axis = normalize_axis(n.attrs.i("axis", 0), in[0]->rank());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  for (int64_t o = 0; o < outer; ++o)
    for (size_t j = 0; j < cond.size(); ++j)
      if (cond[j]) {
        std::memcpy(dst, bytes(*in[0]) + (o * s[axis] + static_cast<int64_t>(j)) * inner * es, inner * es);
        dst += inner * es;
      }
}

}  // namespace

SEGRT_REF_KERNEL(Size, size_kernel);
SEGRT_REF_KERNEL(Range, range_kernel);
SEGRT_REF_KERNEL(Tile, tile_kernel);
SEGRT_REF_KERNEL(GatherElements, gather_elements_kernel);
SEGRT_REF_KERNEL(GatherND, gather_nd_kernel);
SEGRT_REF_KERNEL(ScatterElements, scatter_elements_kernel);
SEGRT_REF_KERNEL(ScatterND, scatter_nd_kernel);
SEGRT_REF_KERNEL(NonZero, nonzero_kernel);
SEGRT_REF_KERNEL(OneHot, one_hot_kernel);
SEGRT_REF_KERNEL(Trilu, trilu_kernel);
SEGRT_REF_KERNEL(EyeLike, eye_like_kernel);
SEGRT_REF_KERNEL(Compress, compress_kernel);

}  // namespace segrt::ref
