// Reference DepthToSpace and SpaceToDepth: element copies (any dtype) on
// channels-first data. With block size b and C' = C / b^2 output channels:
//   DCR: y[n, c, h*b + i, w*b + j] = x[n, (i*b + j)*C' + c, h, w]
//   CRD: y[n, c, h*b + i, w*b + j] = x[n, c*b*b + i*b + j, h, w]
// SpaceToDepth is the inverse of DCR.
#include <cstring>

#include "backend/ref/layout.h"
#include "backend/ref/ref.h"
#include "ir/ops/conv_util.h"

namespace segrt::ref {

namespace {

void depth_space_kernel(const Node& n, const std::vector<const Tensor*>& in, std::vector<Tensor>& out) {
  const bool nhwc = is_channels_last(n.attrs);
  const bool to_space = n.op == OpType::DepthToSpace;
  const bool crd = n.attrs.s("mode", "DCR") == "CRD";
  const int64_t b = n.attrs.i("blocksize", 1);
  Tensor x = channels_first(*in[0], nhwc);
  // The "space" side (more pixels, fewer channels) indexes the "depth" side.
  const Shape& xs = x.shape();
  Shape ys = to_space ? Shape{xs[0], xs[1] / (b * b), xs[2] * b, xs[3] * b}
                      : Shape{xs[0], xs[1] * b * b, xs[2] / b, xs[3] / b};
  const Shape& space = to_space ? ys : xs;  // [N, C', H*b, W*b]
  const Shape& depth = to_space ? xs : ys;  // [N, C' * b * b, H, W]
  Tensor y(x.dtype(), ys);
  const size_t es = dtype_size(x.dtype());
  const auto* src = static_cast<const uint8_t*>(x.raw());
  auto* dst = static_cast<uint8_t*>(y.raw());
  const int64_t C = space[1], H = depth[2], W = depth[3];
  for (int64_t nb = 0; nb < space[0]; ++nb)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < b; ++i)
          for (int64_t w = 0; w < W; ++w)
            for (int64_t j = 0; j < b; ++j) {
              int64_t dc = crd ? c * b * b + i * b + j : (i * b + j) * C + c;
              int64_t d_off = ((nb * depth[1] + dc) * H + h) * W + w;
              int64_t s_off = ((nb * C + c) * space[2] + h * b + i) * space[3] + w * b + j;
              if (to_space) std::memcpy(dst + s_off * es, src + d_off * es, es);
              else std::memcpy(dst + d_off * es, src + s_off * es, es);
            }
  Layout l = out[0].layout();
  out[0] = channels_last_if(y, nhwc);
  out[0].set_layout(l);
}

}  // namespace

SEGRT_REF_KERNEL(DepthToSpace, depth_space_kernel);
SEGRT_REF_KERNEL(SpaceToDepth, depth_space_kernel);

}  // namespace segrt::ref
