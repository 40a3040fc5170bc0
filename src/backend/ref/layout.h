// Layout conversion for the reference spatial kernels: each kernel computes on
// channels-first data only (the plain, obviously correct loop), so an NHWC
// node converts its input to NCHW and its output back. Any dtype, any rank >= 2.
//
//   Tensor x = channels_first(*in[0], nhwc);   // [N,H,W,C] -> [N,C,H,W] when nhwc
//   ... compute y in NCHW ...
//   out[0] = channels_last_if(y, nhwc);
#pragma once
#include "ir/attr.h"
#include "segrt/tensor.h"

namespace segrt::ref {

// [N, s..., C] -> [N, C, s...] when `nhwc`, else `t` unchanged.
Tensor channels_first(const Tensor& t, bool nhwc);
// [N, C, s...] -> [N, s..., C] when `nhwc`, else `t` unchanged.
Tensor channels_last_if(const Tensor& t, bool nhwc);
// A node's attributes without `layout`, for geometry computed on the
// channels-first copy of an NHWC activation.
Attrs channels_first_attrs(const Attrs& a);
// Generic permutation: out.shape[i] = t.shape[perm[i]] (a plain Transpose).
Tensor permute_bytes(const Tensor& t, const std::vector<int>& perm);

}  // namespace segrt::ref
