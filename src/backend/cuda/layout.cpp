// Where a device value's elements are: its physical order (NCHW values of
// the channels format are stored NHWC), the element types the kernels store,
// and the strided views the copy kernels take.
#include <cstring>
#include "backend/cuda/cuda_exec.h"
#include "core/strides.h"

namespace segrt::cuda {

Shape DevValue::phys() const {
  if (fmt == Fmt::Nhwc && shape.size() == 4) return {shape[0], shape[2], shape[3], shape[1]};
  return shape;
}

DevType dev_type(DType t) {
  switch (t) {
    case DType::f32: return DevType::f32;
    case DType::f16: return DevType::f16;
    case DType::bf16: return DevType::bf16;
    case DType::i64: return DevType::i64;
    case DType::i32: return DevType::i32;
    case DType::i8: return DevType::i8;
    case DType::u8: return DevType::u8;
    case DType::boolean: return DevType::b8;
    case DType::f64: return DevType::f64;
    case DType::f8e4m3fn: return DevType::e4m3;
    default: break;
  }
  SEGRT_FAIL(Internal, "no CUDA kernel stores ", dtype_name(t));
}

DType storage_dtype(DType t, DType act) {
  if (t == DType::f8e4m3fn) return t;
  return dtype_is_float(t) ? act : t;
}

bool fp8_on_device(OpType op) {
  switch (op) {
    case OpType::QuantizeLinear: case OpType::DequantizeLinear: case OpType::QLinearConv: case OpType::Cast:
    case OpType::Reshape: case OpType::Flatten: case OpType::Squeeze: case OpType::Unsqueeze: case OpType::Identity:
    case OpType::Concat:
      return true;
    default:
      return false;
  }
}

Act act_of(const Activation& a) {
  SEGRT_CHECK(Activation::is_activation(a.op), Internal, "not an activation: ", op_name(a.op));
  return Act{activation_kind(a.op), a.alpha, a.beta};
}

int phys_axis(int axis, int rank, Fmt fmt) {
  if (fmt != Fmt::Nhwc || rank != 4) return axis;
  static const int to_phys[4] = {0, 3, 1, 2};  // logical N,C,H,W -> physical N,H,W,C
  return to_phys[axis];
}

// Logical axis stored at physical position p.
int logical_of_phys(int p, int rank, Fmt fmt) {
  if (fmt != Fmt::Nhwc || rank != 4) return p;
  static const int of[4] = {0, 2, 3, 1};
  return of[p];
}

// Element strides of each logical axis of a value stored in format fmt.
std::vector<int64_t> logical_strides(const Shape& logical, Fmt fmt) {
  int r = static_cast<int>(logical.size());
  Shape phys = logical;
  for (int p = 0; p < r; ++p) phys[p] = logical[logical_of_phys(p, r, fmt)];
  auto pst = row_major_strides(phys);
  std::vector<int64_t> st(r);
  for (int p = 0; p < r; ++p) st[logical_of_phys(p, r, fmt)] = pst[p];
  return st;
}

Tensor permute_host(const Tensor& t, bool to_nhwc) {
  const Shape& s = t.shape();
  Shape o = to_nhwc ? Shape{s[0], s[2], s[3], s[1]} : Shape{s[0], s[3], s[1], s[2]};
  Tensor r(t.dtype(), o);
  size_t es = dtype_size(t.dtype());
  auto ist = row_major_strides(s);
  // out index (a,b,c,d) -> in index
  const uint8_t* src = static_cast<const uint8_t*>(t.raw());
  uint8_t* dst = static_cast<uint8_t*>(r.raw());
  int64_t i = 0;
  for (int64_t a = 0; a < o[0]; ++a)
    for (int64_t b = 0; b < o[1]; ++b)
      for (int64_t c = 0; c < o[2]; ++c)
        for (int64_t d = 0; d < o[3]; ++d, ++i) {
          int64_t off = to_nhwc ? a * ist[0] + d * ist[1] + b * ist[2] + c * ist[3]   // o = N,H,W,C
                                : a * ist[0] + c * ist[1] + d * ist[2] + b * ist[3];  // o = N,C,H,W from N,H,W,C
          std::memcpy(dst + i * es, src + off * es, es);
        }
  return r;
}

Strides dense_view(const Shape& logical, Fmt fmt) {
  Strides v;
  int r = static_cast<int>(logical.size());
  SEGRT_CHECK(r <= kMaxDims, Unsupported, "tensors of rank ", r, " (the CUDA kernels take up to ", kMaxDims, ")");
  auto st = logical_strides(logical, fmt);
  v.rank = r;
  for (int p = 0; p < r; ++p) {
    v.dims[p] = logical[logical_of_phys(p, r, fmt)];
    v.in[p] = st[logical_of_phys(p, r, fmt)];
  }
  return v;
}

Strides broadcast_view(const Shape& in, const Shape& out, Fmt fmt) {
  int r = static_cast<int>(out.size());
  SEGRT_CHECK(r <= kMaxDims, Unsupported, "tensors of rank ", r);
  Shape a(r - in.size(), 1);
  a.insert(a.end(), in.begin(), in.end());
  auto st = row_major_strides(a);  // the input itself is stored logically (or is Nhwc of the same rank; see caller)
  Strides v;
  v.rank = r;
  for (int p = 0; p < r; ++p) {
    int l = logical_of_phys(p, r, fmt);
    v.dims[p] = out[l];
    v.in[p] = a[l] == 1 ? 0 : st[l];
  }
  return v;
}

}  // namespace segrt::cuda
