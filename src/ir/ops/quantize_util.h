// Shared by QuantizeLinear / DequantizeLinear's shape function, the reference
// kernels and the int8 passes: which types are quantized types, and which
// scale (and zero point) element applies to element i of x.
#pragma once
#include "ir/graph.h"
#include "ir/shape.h"

namespace segrt {

inline bool is_quantized_type(DType t) {
  return t == DType::u8 || t == DType::i8 || t == DType::f8e4m3fn || t == DType::f8e5m2;
}
inline bool is_fp8(DType t) { return t == DType::f8e4m3fn || t == DType::f8e5m2; }

// Flat index of the scale element for flat element i of x: 0 per tensor;
// i's coordinate along `axis` per axis; that coordinate / block_size (and all
// other coordinates) for blocked scales.
struct ScaleIndex {
  int64_t inner = 1, len = 1, block = 0, scale_len = 1;
  bool per_axis = false;
  ScaleIndex(const Attrs& a, const Shape& x, const Shape& scale) {
    block = a.i("block_size", 0);
    per_axis = block > 0 || shape_numel(scale) > 1;
    if (!per_axis) return;
    const int axis = normalize_axis(a.i("axis", 1), static_cast<int>(x.size()));
    len = x[axis];
    scale_len = block > 0 ? scale[axis] : len;
    for (size_t d = axis + 1; d < x.size(); ++d) inner *= x[d];
  }
  int64_t operator()(int64_t i) const {
    if (!per_axis) return 0;
    const int64_t along = i / inner % len;
    if (block <= 0) return along;
    const int64_t outer = i / (inner * len), rest = i % inner;
    return (outer * scale_len + along / block) * inner + rest;
  }
};

}  // namespace segrt
